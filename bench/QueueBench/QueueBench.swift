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
        if let url = ProcessInfo.processInfo.environment["QUEUE_BENCH_POSTGRES_URL"] {
            let postgres = PostgresJobStore(configuration: try PostgresJobStore.configuration(url: url))
            results.append(try await measure(postgres, name: "PostgreSQL", jobs: jobs, claimers: claimers))
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

/// How often each task was claimed, from every claimer.
final class Claims: Sendable {
    let counts = Mutex<[TaskID: Int]>([:])
}

struct BenchFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
