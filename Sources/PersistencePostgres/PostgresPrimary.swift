import Coordination
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The pool of the server that accepts writes, among a database's servers (`PostgresServers`),
/// followed through a promotion. The pool starts on the first server; at start, and whenever
/// the store sees a failure a promotion would explain (no connection, a write refused as
/// read-only), every server is asked whether it is a standby (`pg_is_in_recovery()`), and the
/// pool moves to the one that is not. With no such server (the primary lost, the standby not yet
/// promoted) it asks again every `recheck` until one is. One server: one pool, never asked.
final class PostgresPrimary: Sendable {
    private struct State {
        var client: PostgresClient
        var index = 0
        var running: Task<Void, Never>?
        var retired: [Task<Void, Never>] = []
        /// A failure was reported since the servers were last asked.
        var suspected = true
    }

    /// Every server's pool settings, in the order given.
    let configurations: [PostgresClient.Configuration]
    /// The servers to ask; nil for one server, which is never asked.
    private let servers: PostgresServers?
    private let state: Mutex<State>
    private let suspicion = Notifier()
    private let logger: Logger
    /// How often the servers are asked while none accepts writes.
    static let recheck = Duration.seconds(1)

    convenience init(servers: PostgresServers, logger: Logger) {
        self.init(
            configurations: servers.addresses.indices.map(servers.client),
            servers: servers.addresses.count > 1 ? servers : nil, logger: logger)
    }

    convenience init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.init(configurations: [configuration], servers: nil, logger: logger)
    }

    private init(configurations: [PostgresClient.Configuration], servers: PostgresServers?, logger: Logger) {
        self.configurations = configurations
        self.servers = servers
        self.logger = logger
        state = Mutex(State(client: PostgresClient(configuration: configurations[0], backgroundLogger: logger)))
    }

    /// The pool of the server taken to accept writes.
    var client: PostgresClient { state.withLock { $0.client } }

    /// Where the pool points now: `host:port`.
    var address: String {
        let configuration = configurations[state.withLock { $0.index }]
        return "\(configuration.host ?? "?"):\(configuration.port ?? 5432)"
    }

    /// A failure that a promotion would explain: the servers are asked again.
    func suspect() {
        guard servers != nil else { return }
        state.withLock { $0.suspected = true }
        suspicion.notifyAll()
    }

    /// Runs the pools until cancelled or shut down gracefully (as a pool on its own would), then
    /// stops them and waits for them (the caller bounds that wait).
    func run() async {
        start(state.withLock { $0.client })
        await cancelWhenGracefulShutdown {
            if let servers = self.servers {
                await self.follow(servers)
            } else {
                await Notifier().wait() // nobody notifies it: returns once cancelled
            }
        }
        let tasks = state.withLock { [$0.running].compactMap { $0 } + $0.retired }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func start(_ client: PostgresClient) {
        let task = Task { await client.run() }
        state.withLock { $0.running = task }
    }

    private func follow(_ servers: PostgresServers) async {
        while !Task.isCancelled {
            let suspected = state.withLock { state in
                defer { state.suspected = false }
                return state.suspected
            }
            if !suspected {
                // With a timeout: a suspicion raised between the check and the wait is seen then.
                await suspicion.wait(timeout: Self.recheck * 5)
                continue
            }
            guard let writable = await writableServer(of: servers) else {
                state.withLock { $0.suspected = true }
                try? await Task.sleep(for: Self.recheck)
                continue
            }
            move(to: writable)
        }
    }

    /// Points the pool at the server at `index`, when it is not there already.
    /// Only the follow loop calls it, one call at a time.
    private func move(to index: Int) {
        guard state.withLock({ $0.index }) != index else { return }
        let client = PostgresClient(configuration: configurations[index], backgroundLogger: logger)
        state.withLock { state in
            state.index = index
            state.client = client
            if let old = state.running {
                old.cancel()
                state.retired.append(old)
            }
        }
        start(client)
        logger.notice(
            "the database's writable server changed; connecting there",
            metadata: ["database.server": "\(address)"])
    }

    /// The server that accepts writes, asking the current one first; nil when none does.
    private func writableServer(of servers: PostgresServers) async -> Int? {
        let current = state.withLock { $0.index }
        for index in [current] + servers.addresses.indices.filter({ $0 != current }) {
            if await servers.role(of: index, logger: logger) == .primary { return index }
        }
        return nil
    }

    static let probeLimit = Duration.seconds(5)
}
