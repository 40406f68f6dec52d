import BlobStorage
import ClipGenCore
import Persistence
import PersistenceSQLite
import Server
import TestSupport
import Testing
import Workers

/// One job on a server without workers, its tasks taken, run and recorded by hand through the real
/// store and pipeline, as workers would: a test decides who holds which task, and for how long.
struct SteppedJob: Sendable {
    let client: ServerHarness.Client
    let server: EmbeddedServer
    let pool: WorkerPool<SQLiteJobStore, LocalBlobStore>
    let id: String

    init(client: ServerHarness.Client, server: EmbeddedServer, id: String) async throws {
        self.client = client
        self.server = server
        self.pool = try await server.workerPool(logger: ServerHarness.logger, workerID: "worker")
        self.id = id
    }

    /// The next task a worker would take.
    func claim(_ worker: String = "worker", lease: Double = 600) async throws -> ClaimedTask {
        try #require(try await next(worker, lease: lease))
    }

    /// The next task, or nil when none is ready.
    func next(_ worker: String = "worker", lease: Double = 600) async throws -> ClaimedTask? {
        try await server.store.claimTask(worker: worker, capabilities: [.cpu], leaseSeconds: lease)
    }

    func run(_ claimed: ClaimedTask) async throws -> TaskOutcome {
        try await pool.pipeline.run(claimed) { _, _ in }
    }

    func complete(_ claimed: ClaimedTask, _ outcome: TaskOutcome, by worker: String = "worker") async throws
        -> CompletionResult
    {
        try await server.store.completeTask(
            taskId: claimed.task.id, worker: worker, outcome: outcome, transitions: pool.transitions)
    }

    /// Runs a claimed task and records it; the record must not be discarded.
    @discardableResult
    func finish(_ claimed: ClaimedTask) async throws -> TaskOutcome {
        let outcome = try await run(claimed)
        #expect(try await complete(claimed, outcome) != .discarded)
        return outcome
    }

    /// Takes the next task and finishes it: its kind and outcome, or nil when none is ready.
    func step() async throws -> (kind: TaskKind, outcome: TaskOutcome)? {
        guard let claimed = try await next() else { return nil }
        return (claimed.task.kind, try await finish(claimed))
    }

    /// The job as the store has it now.
    func job() async throws -> Job {
        let admin = try #require(try await server.store.user(email: "admin@localhost"))
        return try #require(try await server.store.job(id: JobID(rawValue: id), organizationId: admin.organizationId))
    }
}
