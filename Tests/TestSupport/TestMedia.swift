import Foundation

/// Test videos made by `scripts/make-test-media.sh` (FFmpeg lavfi sources), generated once per
/// run into a shared directory and reused by every test.
public actor TestMedia {
    public static let shared = TestMedia()

    public let directory: String
    private var made: Set<String> = []

    init() {
        directory =
            ProcessInfo.processInfo.environment["CLIPGEN_TEST_MEDIA"] ?? NSTemporaryDirectory() + "clipgen-test-media"
    }

    public static var repositoryRoot: String {
        // Tests/TestSupport/TestMedia.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The speech and face helpers' environment that `make test` installs (scripts/setup-helpers.sh).
    public static var helpersVenv: String { repositoryRoot + "/.venv-helpers" }

    /// Path of a generated file, making it first if needed.
    public func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        if !made.contains(name) {
            let result = try Shell.run(
                "/bin/bash", [Self.repositoryRoot + "/scripts/make-test-media.sh", directory, name])
            guard result.status == 0 else { throw TestFailure("making \(name) failed: \(result.stderr)") }
            made.insert(name)
        }
        return path
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
