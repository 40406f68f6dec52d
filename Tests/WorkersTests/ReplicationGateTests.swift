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

    /// Asynchronous replication: the lag is the oldest missing file's age while one is missing,
    /// then how long the last one took; files deleted here are no longer waited for.
    @Test func theLagWatchReportsTheOldestMissingFileAndForgetsDeletedOnes() async throws {
        let (own, replica) = (MemoryBlobStore(), MemoryBlobStore())
        _ = try await own.put(Data("clip".utf8), as: clip)
        _ = try await own.put(Data("jpg".utf8), as: poster)
        let watch = ReplicationLagWatch()
        let start = ContinuousClock.now
        watch.add([(clip, 4)], at: start)
        watch.add([(poster, 3)], at: start + .seconds(5))
        #expect(await watch.check(replica: replica, own: own, now: start + .seconds(7)) == .seconds(7))
        // Half the clip has arrived: still missing.
        _ = try await replica.put(Data("cl".utf8), as: clip)
        #expect(await watch.check(replica: replica, own: own, now: start + .seconds(9)) == .seconds(9))
        _ = try await replica.put(Data("clip".utf8), as: clip)
        #expect(await watch.check(replica: replica, own: own, now: start + .seconds(10)) == .seconds(5))
        #expect(watch.pendingCount == 1)
        // The poster is deleted here before it ever arrived: the lag goes back to the last arrival.
        try await own.delete(poster)
        #expect(await watch.check(replica: replica, own: own, now: start + .seconds(60)) == .seconds(10))
        #expect(watch.pendingCount == 0)
    }
}
