import Foundation

/// A fresh directory for one test, removed when the test ends.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "clipgen-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Polls `condition` until it holds or `timeout` passes; for waiting on real workers and FFmpeg.
/// The timeout only ends a wait that went wrong: a passing test returns as soon as the condition
/// holds, so it is generous enough that a machine busy on both cores never reaches it.
public func eventually(
    timeout: Duration = .seconds(180), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
