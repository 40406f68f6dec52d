import ClipGenCore
import Foundation
import Synchronization
import Testing

@testable import MediaEngine

/// Children's output read to its end, every time: many short children at once, readers that stop
/// early, children killed mid-output. Reading with Subprocess's own readers, a finished child's
/// reader now and then waited forever for the end of its pipe (CI and stressed runs hung).
@Suite struct ChildOutputTests {
    /// Runs `body`, failing (not hanging) when it has not finished after `limit`: a guard, not a bound.
    func guarded(_ limit: Duration = .seconds(600), _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let finished = try await group.next() ?? false
            group.cancelAll()
            #expect(finished, "still reading children's output after \(limit)")
        }
    }

    @Test func manyShortChildrenAreReadToTheEnd() async throws {
        try await guarded {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<400 {
                    if index >= 12 { try await group.next() }
                    group.addTask {
                        let lines = Mutex(0)
                        let output = try await ProcessRunner.live.run(
                            ProcessSpec(
                                executable: "sh",
                                arguments: ["-c", "echo out \(index); echo err \(index) >&2; exit 2"],
                                timeout: .seconds(600), stdoutLimit: 100)
                        ) { _ in lines.withLock { $0 += 1 } }
                        #expect(output.exitCode == 2 && output.stdout == "out \(index)\n")
                        #expect(output.stderrTail == "err \(index)" && lines.withLock { $0 } == 1)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func readersThatStopEarlyAndChildrenKilledMidOutputLeaveNothingWaiting() async throws {
        struct Enough: Error {}
        try await guarded {
            for round in 0..<40 {
                // A reader that has read enough: the child is stopped and the run ends.
                await #expect(throws: Enough.self) {
                    _ = try await PipeReader.run(
                        ProcessSpec(executable: "sh", arguments: ["-c", "exec cat /dev/zero"], timeout: .seconds(600))
                    ) { _ in throw Enough() }
                }
                // A child past its time limit, killed while writing.
                let timedOut = await #expect(throws: MediaError.self) {
                    try await PipeReader.run(
                        ProcessSpec(
                            executable: "sh", arguments: ["-c", "echo started >&2; exec sleep 30"],
                            timeout: .milliseconds(50))
                    ) { _ in }
                }
                #expect(timedOut?.code == .mediaTimeout)
                // And then a child read to its end as usual.
                var bytes = 0
                let whole = try await PipeReader.run(
                    ProcessSpec(
                        executable: "sh", arguments: ["-c", "head -c \(100_000 + round) /dev/zero"],
                        timeout: .seconds(600))
                ) { bytes += $0.count }
                #expect(whole.exitCode == 0 && bytes == 100_000 + round)
            }
        }
    }
}
