import BlobStorage
import ClipGenCore
import Foundation
import Synchronization
import Testing
import Workers

/// A task's files count as made once the second region's store reads them back at their size.
@Suite struct ReplicationGateTests {
    let clip = try! BlobKey("clips/job/0.mp4")
    let poster = try! BlobKey("clips/job/0.jpg")

    @Test func filesAlreadyThereAreConfirmedAtOnce() async throws {
        let replica = MemoryBlobStore()
        _ = try await replica.put(Data("clip".utf8), as: clip)
        let gate = ReplicationGate(replica: replica, timeout: .seconds(600))
        #expect(try await gate.confirm([(clip, 4)]) { true } == .replicated)
    }

    @Test func theGateWaitsForEveryFileAtItsFullSize() async throws {
        let replica = MemoryBlobStore()
        _ = try await replica.put(Data("cl".utf8), as: clip)
        var gate = ReplicationGate(replica: replica, timeout: .seconds(600))
        gate.poll = .milliseconds(5)
        let checks = Mutex(0)
        let confirming = Task {
            try await gate.confirm([(clip, 4), (poster, 3)]) {
                checks.withLock { $0 += 1 }
                return true
            }
        }
        // Half a clip and no poster: still waiting, however long it has looked.
        while checks.withLock({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(5)) }
        _ = try await replica.put(Data("clip".utf8), as: clip)
        _ = try await replica.put(Data("jpg".utf8), as: poster)
        #expect(try await confirming.value == .replicated)
    }

    @Test func aLostSecondRegionLeavesTheFilesUnconfirmedRatherThanStoppingWork() async throws {
        let gate = ReplicationGate(replica: MemoryBlobStore(), timeout: .seconds(600))
        #expect(try await gate.confirm([(clip, 4)]) { false } == .unconfirmed)
    }

    @Test func filesThatNeverArriveFailTheAttemptAfterTheTimeout() async throws {
        var gate = ReplicationGate(replica: MemoryBlobStore(), timeout: .zero)
        gate.poll = .milliseconds(1)
        await #expect(throws: ReplicationError.notReplicated(2)) {
            _ = try await gate.confirm([(clip, 4), (poster, 3)]) { true }
        }
    }
}
