import ClipGenCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One connection to Redis. Commands are pipelined: each gets its reply in the order sent.
/// In subscriber mode pushed messages go to `onPush` instead. A closed connection fails
/// everything waiting on it; callers make a new one (`RedisClient` does).
public final class RedisConnection: Sendable {
    private let channel: any Channel
    let closed: EventLoopFuture<Void>

    private init(channel: any Channel) {
        self.channel = channel
        self.closed = channel.closeFuture
    }

    /// Connects, authenticates and selects the database, within `timeout`.
    public static func connect(
        to configuration: RedisConfiguration, timeout: Duration = .seconds(2),
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(timeout.milliseconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(onPush: onPush))
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw RedisError.unavailable("cannot connect to \(configuration.host):\(configuration.port) (\(error))")
        }
        let connection = RedisConnection(channel: channel)
        do {
            if let password = configuration.password {
                _ = try await connection.send(
                    configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password], timeout: timeout)
            }
            if configuration.database != 0 {
                _ = try await connection.send(["SELECT", String(configuration.database)], timeout: timeout)
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    public var isActive: Bool { channel.isActive }

    /// Sends one command and waits for its reply; an error reply throws `RedisError.reply`.
    @discardableResult
    public func send(_ arguments: [String], timeout: Duration = .seconds(2)) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(timeout.milliseconds)) {
            promise.fail(RedisError.unavailable("no reply within \(timeout)"))
        }
        channel.writeAndFlush(RedisCommand(arguments: arguments, promise: promise), promise: nil)
        defer { deadline.cancel() }
        let value: RESPValue
        do {
            value = try await promise.futureResult.get()
        } catch let error as RedisError {
            // A reply that never came leaves the pipeline out of step: this connection is done.
            if case .unavailable = error { close() }
            throw error
        } catch {
            throw RedisError.unavailable("the connection failed (\(error))")
        }
        if case .error(let message) = value { throw RedisError.reply(message) }
        return value
    }

    public func close() {
        channel.close(promise: nil)
    }
}

struct RedisCommand {
    var arguments: [String]
    var promise: EventLoopPromise<RESPValue>
}

/// Writes commands, matches replies to them in order, and hands pushed pub/sub messages on.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisCommand
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()
    private let onPush: (@Sendable (RESPValue) -> Void)?

    init(onPush: (@Sendable (RESPValue) -> Void)?) {
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPValue.encode(command.arguments, into: &buffer)
        waiting.append(command.promise)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if let onPush, case .array(let items?) = value, let kind = items.first?.string,
            kind == "message" || kind == "pmessage"
        {
            onPush(value)
            return
        }
        guard let promise = waiting.popFirst() else { return }
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.unavailable("the connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisError.unavailable("\(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}
