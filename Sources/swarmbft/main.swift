import ArgumentParser

SwarmBFTCommand.main()
