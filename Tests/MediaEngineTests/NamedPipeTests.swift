import ClipGenCore
import Foundation
import Testing

@testable import MediaEngine

/// A child's second output through a named pipe: read whole when the child writes it, ended when
/// the child fails before opening it, and removed afterwards.
@Suite struct NamedPipeTests {
    func run(_ script: String) async throws -> ProcessOutput {
        try await ProcessRunner.live.run(
            ProcessSpec(executable: "sh", arguments: ["-c", script], timeout: .seconds(600)))
    }

    @Test func whatTheChildWritesIsReadWhole() async throws {
        let pipe = try NamedPipe()
        defer { pipe.remove() }
        async let received: Int = {
            var bytes = 0
            try await pipe.read { bytes += $0.count }
            return bytes
        }()
        // More than a pipe's buffer, so the child waits on the reader on the way.
        let output = try await run("head -c 1000000 /dev/zero > '\(pipe.path)'")
        pipe.childEnded()
        #expect(output.exitCode == 0)
        #expect(try await received == 1_000_000)
    }

    @Test func aChildThatNeverOpensThePipeLeavesNoReaderWaiting() async throws {
        // A reader left waiting fails the guard instead of hanging the run.
        try await ChildOutputTests().guarded {
            try await readersOfPipesNeverOpened()
        }
    }

    func readersOfPipesNeverOpened() async throws {
        for _ in 0..<20 {
            let pipe = try NamedPipe()
            async let received: Int = {
                var bytes = 0
                try await pipe.read { bytes += $0.count }
                return bytes
            }()
            let output = try await run("echo 'no such stream' >&2; exit 1")
            pipe.childEnded()
            #expect(output.exitCode == 1)
            #expect(try await received == 0)
            pipe.remove()
        }
    }

    @Test func removingLeavesNothingBehind() async throws {
        let pipe = try NamedPipe()
        let directory = (pipe.path as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: pipe.path))
        pipe.remove()
        #expect(!FileManager.default.fileExists(atPath: pipe.path))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
