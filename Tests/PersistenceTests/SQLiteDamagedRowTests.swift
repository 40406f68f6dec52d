import ClipGenCore
import Foundation
import GRDB
import Persistence
import PersistenceSQLite
import TestSupport
import Testing

/// A row damaged outside ClipGen (a hand edit, a bad restore) is an error on the read that meets
/// it, never a stopped process.
@Suite struct SQLiteDamagedRowTests {
    @Test func aDamagedBlobKeyIsAnErrorNotATrap() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/damaged.sqlite"
            let sqlite = StoreBackend(name: "SQLite") { _, clock in SQLiteJobStore(path: path, clock: clock) }
            try await Fixture.with(sqlite) { f in
                let (job, _, _) = try await f.job(clips: 1)
                let probe = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                _ = try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                let rendering = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                let clip = Clip(
                    jobId: job.id, organizationId: f.organization.id, index: 0, name: nil, start: 0, end: 1,
                    actualStart: 0,
                    duration: 1, format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "x",
                    blobKey: try BlobKey("clips/\(job.id)/0.mp4"), createdAt: f.time.current)
                _ = try await f.store.completeTask(
                    taskId: rendering.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                    transitions: StoreBackend.transitions)
                #expect(try await f.store.clips(jobId: job.id).map(\.blobKey) == [clip.blobKey])

                let other = try DatabaseQueue(path: path)
                try await other.write { db in try db.execute(sql: "UPDATE clips SET blob_key = '../../etc/passwd'") }
                await #expect(throws: BlobKey.Invalid(key: "../../etc/passwd")) {
                    try await f.store.clips(jobId: job.id)
                }
                await #expect(throws: BlobKey.Invalid.self) {
                    try await f.store.deleteJob(id: job.id, organizationId: f.organization.id)
                }
            }
        }
    }
}
