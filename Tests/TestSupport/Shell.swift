import Foundation

/// Runs a command to completion, capturing stdout as bytes. For test set-up and checks only;
/// the product runs children through `ProcessRunner`.
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    /// Runs a shell command that starts or stops a server (the test command's `*_START` /
    /// `*_STOP`), its output appended to `log`. The descriptors this process inherited are closed
    /// first: a daemon holding our pipes open would keep `run` waiting for ever.
    public static func control(_ command: String, log: String) throws -> Bool {
        let closeInherited =
            #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; "#
        return try run("bash", ["-c", closeInherited + "\(command) >>\(log) 2>&1 </dev/null"]).status == 0
    }

    public static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the child runs, so neither fills and blocks it.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }
}
