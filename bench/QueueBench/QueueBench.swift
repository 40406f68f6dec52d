import ClipGenCore
import Foundation
import Logging
import Persistence
import PersistencePostgres
import PersistenceSQLite
import ServiceLifecycle
import Synchronization

/// Claims per second with concurrent claimers on SQLite and on PostgreSQL in one run, counting
/// double claims: first claims alone (what the queue hands out; the figure), then each
/// claim followed by its completion (the last task succeeds its job), a worker's whole cycle.
/// Usage: queue-bench [--jobs N] [--claimers N]   (PostgreSQL from QUEUE_BENCH_POSTGRES_URL)
@main
struct QueueBench {
    static func main() async throws {
        var jobs = 4000
        var claimers = 8
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = arguments.next() {
            switch flag {
            case "--jobs": jobs = Int(arguments.next() ?? "") ?? jobs
            case "--claimers": claimers = Int(arguments.next() ?? "") ?? claimers
            default: fatalError("unknown flag \(flag)")
            }
        }
        let directory = NSTemporaryDirectory() + "queue-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var results: [(claims: Double, cycles: Double)] = []
        let sqlite = SQLiteJobStore(path: directory + "/bench.sqlite")
        results.append(try await measure(sqlite, name: "SQLite", jobs: jobs, claimers: claimers))
        try await fairness(SQLiteJobStore(path: directory + "/fair.sqlite"), name: "SQLite")
        if let url = ProcessInfo.processInfo.environment["QUEUE_BENCH_POSTGRES_URL"] {
            let postgres = PostgresJobStore(configuration: try PostgresJobStore.configuration(url: url))
            results.append(try await measure(postgres, name: "PostgreSQL", jobs: jobs, claimers: claimers))
            // A client runs once: the fairness run gets a store of its own.
            try await fairness(
                PostgresJobStore(configuration: try PostgresJobStore.configuration(url: url)), name: "PostgreSQL")
        }
        if results.count == 2 {
            print(
                String(
                    format:
                        """
                        ratio PostgreSQL / SQLite: claims %.2fx, claim+completion cycles %.2fx; goal: PostgreSQL \
                        >= 1000 claims/s
                        """,
                    results[1].claims / results[0].claims, results[1].cycles / results[0].cycles))
        }
    }

    static func measure(_ store: some JobStoreBackend, name: String, jobs: Int, claimers: Int) async throws -> (
        claims: Double, cycles: Double
    ) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.prepare()
            let organization = Organization(name: "bench", createdAt: Date())
            try await store.createOrganization(organization)
            let user = User(
                organizationId: organization.id, email: "bench-\(UUID().uuidString.prefix(8))@x.test",
                passwordHash: "x",
                role: .admin, createdAt: Date())
            try await store.createUser(user)
            let claims = try await phase(
                store, name: name, organization: organization, user: user, jobs: jobs, claimers: claimers,
                completing: false)
            let cycles = try await phase(
                store, name: name, organization: organization, user: user, jobs: jobs, claimers: claimers,
                completing: true)
            return (claims, cycles)
        }
    }

    /// Queues `jobs` one-task jobs, then times `claimers` claiming them all (and completing each when `completing`).
    static func phase(
        _ store: some JobStoreBackend, name: String, organization: Organization, user: User, jobs: Int, claimers: Int,
        completing: Bool
    ) async throws -> Double {
        // One-task jobs: no clips and no storyboard, so the probe's completion succeeds its job.
        var request = JobRequest(source: .init(uploadId: .make()), clips: [])
        request.thumbnails = false
        let transitions = JobTransitions()
        for _ in 0..<jobs {
            let job = Job(organizationId: organization.id, ownerId: user.id, request: request, createdAt: Date())
            _ = try await store.createJob(
                job, firstTask: TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3), idempotencyKey: nil)
        }
        let claimed = Claims()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for index in 0..<claimers {
                workers.addTask {
                    let worker = "bench-\(index)"
                    while let task = try await store.claimTask(worker: worker, capabilities: [.cpu], leaseSeconds: 300)
                    {
                        claimed.counts.withLock { $0[task.task.id, default: 0] += 1 }
                        if completing {
                            _ = try await store.completeTask(
                                taskId: task.task.id, worker: worker, outcome: TaskOutcome(), transitions: transitions)
                        }
                    }
                }
            }
            try await workers.waitForAll()
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let (count, doubles) = claimed.counts.withLock { ($0.count, $0.values.filter { $0 > 1 }.count) }
        let perSecond = Double(count) / seconds
        print(
            String(
                format: "%@: %d claims%@ by %d claimers in %.2f s: %.0f claims/s, %d double claims",
                name, count, completing ? " (each with its completion)" : "", claimers, seconds, perSecond, doubles))
        guard count == jobs, doubles == 0 else {
            throw BenchFailure(reason: "\(name): \(count) of \(jobs) claimed, \(doubles) twice")
        }
        return perSecond
    }
}

extension QueueBench {
    /// The wait of one organisation's single job while `workers` workers are busy (each task takes
    /// `work`): first with only as many other tasks as workers queued, then behind another
    /// organisation's batch of `batch` jobs. A fair claim makes the two waits alike (goal: under 2×).
    static func fairness(
        _ store: some JobStoreBackend, name: String, batch: Int = 500, workers: Int = 2,
        work: Duration = .milliseconds(20)
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.prepare()
            func member(_ name: String) async throws -> (Organization, User) {
                let organization = Organization(name: name, createdAt: Date())
                try await store.createOrganization(organization)
                let user = User(
                    organizationId: organization.id, email: "\(name)-\(UUID().uuidString.prefix(8))@x.test",
                    passwordHash: "x", role: .admin, createdAt: Date())
                try await store.createUser(user)
                return (organization, user)
            }
            let (big, bigUser) = try await member("batch")
            let (small, smallUser) = try await member("single")
            var request = JobRequest(source: .init(uploadId: .make()), clips: [])
            request.thumbnails = false
            func submit(_ organization: Organization, _ user: User) async throws -> TaskID {
                let job = Job(organizationId: organization.id, ownerId: user.id, request: request, createdAt: Date())
                let task = TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3)
                _ = try await store.createJob(job, firstTask: task, idempotencyKey: nil)
                return task.id
            }
            /// Workers claiming and finishing tasks until `target` is claimed; the seconds it waited.
            func wait(queued: Int) async throws -> Double {
                for _ in 0..<queued { _ = try await submit(big, bigUser) }
                let run = FairRun()
                try await withThrowingTaskGroup(of: Void.self) { pool in
                    for index in 0..<workers {
                        pool.addTask {
                            let transitions = JobTransitions()
                            while run.waited.withLock({ $0 }) == nil {
                                guard
                                    let claimed = try await store.claimTask(
                                        worker: "fair-\(index)", capabilities: [.cpu], leaseSeconds: 300)
                                else {
                                    try await Task.sleep(for: .milliseconds(1))
                                    continue
                                }
                                if claimed.task.id == run.target.withLock({ $0 }) {
                                    let at = run.started.withLock { $0 }!
                                    run.waited.withLock { $0 = ContinuousClock.now - at }
                                }
                                try await Task.sleep(for: work)
                                _ = try await store.completeTask(
                                    taskId: claimed.task.id, worker: "fair-\(index)", outcome: TaskOutcome(),
                                    transitions: transitions)
                            }
                        }
                    }
                    // The workers are busy before the single job arrives.
                    try await Task.sleep(for: work / 2)
                    run.started.withLock { $0 = ContinuousClock.now }
                    let id = try await submit(small, smallUser)
                    run.target.withLock { $0 = id }
                    try await pool.waitForAll()
                }
                // What the workers left behind is cleared for the next measurement.
                while let leftover = try await store.claimTask(worker: "drain", capabilities: [.cpu], leaseSeconds: 300)
                {
                    _ = try await store.completeTask(
                        taskId: leftover.task.id, worker: "drain", outcome: TaskOutcome(), transitions: JobTransitions()
                    )
                }
                let components = run.waited.withLock { $0 }!.components
                return Double(components.seconds) + Double(components.attoseconds) / 1e18
            }
            let alone = try await wait(queued: workers * 2)
            let behind = try await wait(queued: batch)
            print(
                String(
                    format:
                        "%@: a single job waited %.3f s with the workers busy, %.3f s behind another organisation's %d-job batch: %.2fx (goal < 2x)",
                    name, alone, behind, batch, behind / alone))
        }
    }
}

/// One fairness measurement, shared by its workers.
final class FairRun: Sendable {
    let started = Mutex<ContinuousClock.Instant?>(nil)
    let waited = Mutex<Duration?>(nil)
    let target = Mutex<TaskID?>(nil)
}

/// How often each task was claimed, from every claimer.
final class Claims: Sendable {
    let counts = Mutex<[TaskID: Int]>([:])
}

struct BenchFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
