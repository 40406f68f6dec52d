import Foundation

/// A Python helper (a receiver, a file server) running beside a test: `body` gets the first
/// line it prints (its port); the process is SIGKILLed when `body` returns, since test
/// processes hand their children a blocked SIGTERM.
public func withHelperScript<T>(_ path: String, _ arguments: [String], _ body: (String) async throws -> T) async throws
    -> T
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", path] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    defer {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
    return try await body(line)
}
