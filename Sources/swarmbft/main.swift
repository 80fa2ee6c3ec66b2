import ArgumentParser
import SwarmOrchestrator

ParentWatch.armFromEnvironment()
SwarmBFTCommand.main()
