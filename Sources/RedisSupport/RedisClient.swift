import ClipGenCore
import Coordination
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Commands to Redis over one pipelined connection, made on first use and again after it
/// breaks. While Redis is down, calls fail fast with `RedisError.unavailable` (a new connection
/// is tried at most once a second), so callers fall back instead of waiting. A `Service`: graceful
/// shutdown closes the connection.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let state = Mutex(State())
    private let logger: Logger

    private struct State {
        var connection: RedisConnection?
        var connecting: Task<RedisConnection, any Error>?
        var retryAfter: ContinuousClock.Instant?
        var shutDown = false
    }

    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "clipgen.redis")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let connection = state.withLock { state in
            state.shutDown = true
            state.connecting?.cancel()
            return state.connection
        }
        connection?.close()
    }

    @discardableResult
    public func send(_ arguments: [String], timeout: Duration = .seconds(1)) async throws -> RESPValue {
        try await Self.calls.measure(arguments.first?.uppercased() ?? "") {
            try await connection().send(arguments, timeout: timeout)
        }
    }

    private static let calls = BackendCallMetrics(backend: "redis")

    /// Whether Redis answers a PING now.
    public func isReachable() async -> Bool {
        (try? await send(["PING"]))?.string == "PONG"
    }

    private enum Next {
        case ready(RedisConnection)
        case wait(Task<RedisConnection, any Error>)
        case fail(RedisError)
    }

    private func connection() async throws -> RedisConnection {
        let next: Next = state.withLock { state in
            if state.shutDown { return .fail(.unavailable("the process is shutting down")) }
            if let connection = state.connection, connection.isActive { return .ready(connection) }
            state.connection = nil
            if let connecting = state.connecting { return .wait(connecting) }
            if let retryAfter = state.retryAfter, ContinuousClock.now < retryAfter {
                return .fail(.unavailable("it did not answer a moment ago"))
            }
            let configuration = self.configuration
            let task = Task { try await RedisConnection.connect(to: configuration) }
            state.connecting = task
            return .wait(task)
        }
        switch next {
        case .ready(let connection): return connection
        case .fail(let error): throw error
        case .wait(let task):
            do {
                let connection = try await task.value
                state.withLock { state in
                    state.connecting = nil
                    state.connection = connection
                    state.retryAfter = nil
                }
                return connection
            } catch {
                let first = state.withLock { state in
                    defer {
                        state.connecting = nil
                        if state.retryAfter == nil || ContinuousClock.now >= state.retryAfter! {
                            state.retryAfter = .now + .seconds(1)
                        }
                    }
                    return state.connecting != nil
                }
                if first { logger.warning("Redis is unavailable", metadata: ["error": "\(error)"]) }
                throw error
            }
        }
    }
}
