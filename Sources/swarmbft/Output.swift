import Foundation

/// Writes a line to standard output at once (unbuffered), for commands whose output other
/// programs follow line by line (`events tail`, `up --json`).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
