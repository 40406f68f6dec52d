import ClipGenCore
import Foundation
import Logging
import RedisSupport
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

func redisConfiguration(_ url: String? = TestServers.redisURL) throws -> RedisConfiguration {
    guard let url else { throw TestServerMissing(name: "Redis") }
    return try RedisConfiguration(url: url)
}

@Suite(.enabled(if: TestServers.redisURL != nil || TestServers.isCI)) struct RedisClientTests {
    @Test func commandsAndTheirRepliesOverOnePipelinedConnection() async throws {
        let client = RedisClient(configuration: try redisConfiguration())
        let key = "test:" + TestServers.uniqueName()
        #expect(try await client.send(["SET", key, "v", "EX", "60"]) == .simpleString("OK"))
        #expect(try await client.send(["GET", key]).string == "v")
        // Many at once on the one connection: each caller gets its own reply.
        let counts = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<200 { group.addTask { try await client.send(["INCR", key + ":n"]).integer ?? -1 } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...200))
        await #expect(throws: RedisError.reply("WRONGTYPE Operation against a key holding the wrong kind of value")) {
            try await client.send(["LPUSH", key, "x"])
        }
        #expect(await client.isReachable())
    }

    @Test func anAbsentServerFailsFastAndNamesNoPassword() async throws {
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis://:hunter2@127.0.0.1:9"))
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        // Refused, not given up on after the connect timeout: said by the error, not by a clock,
        // which a loaded machine makes slow either way.
        let said = error.map { "\($0)" } ?? ""
        #expect(said.contains("127.0.0.1:9") && !said.lowercased().contains("timeout"), "\(said)")
        #expect(!said.contains("hunter2"))
        #expect(await client.isReachable() == false)
    }

    @Test func urlsAreParsedAndBadOnesExplained() throws {
        #expect(
            try RedisConfiguration(url: "redis://:p%40ss@cache:6380/2")
                == RedisConfiguration(host: "cache", port: 6380, password: "p@ss", database: 2))
        #expect(try RedisConfiguration(url: "redis://127.0.0.1") == RedisConfiguration(host: "127.0.0.1"))
        for bad in ["http://cache:6379", "redis://", "redis://cache/db1"] {
            #expect(throws: (any Error).self) { try RedisConfiguration(url: bad) }
        }
    }
}

/// Two buses on one Redis are two API replicas: what one publishes, both deliver, in order.
@Suite(.enabled(if: TestServers.redisURL != nil || TestServers.isCI)) struct RedisEventBusTests {
    static func event(_ n: Int, job: JobID = JobID(rawValue: "job-1")) -> JobEvent {
        JobEvent(
            sequence: Int64(n), type: .progress, jobId: job, organizationId: OrganizationID(rawValue: "org"),
            status: .running,
            stage: .render, progress: Double(n) / 100, at: Date(timeIntervalSince1970: 1_800_000_000))
    }

    /// Runs `buses` as services (their subscriptions) around `body`.
    static func running(_ buses: [RedisEventBus], _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: buses.map { $0 as any Service } + buses.map(\.client), logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            // Subscribed is an event to wait for, however long a busy machine takes to get there.
            for bus in buses { await bus.waitUntilSubscribed() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func collect(_ stream: AsyncStream<JobEvent>, count: Int) async -> [JobEvent] {
        var got: [JobEvent] = []
        for await event in stream {
            got.append(event)
            if got.count == count { break }
        }
        return got
    }

    @Test func whatOneReplicaPublishesEveryReplicaDelivers() async throws {
        let channel = "test:" + TestServers.uniqueName()
        let a = RedisEventBus(client: RedisClient(configuration: try redisConfiguration()), channel: channel)
        let b = RedisEventBus(client: RedisClient(configuration: try redisConfiguration()), channel: channel)
        try await Self.running([a, b]) {
            let onA = await a.subscribe { _ in true }
            let onB = await b.subscribe { $0.progress >= 0.5 }
            let events = (1...100).map { Self.event($0) }
            await a.publish(events)
            let (gotA, gotB) = await (Self.collect(onA, count: 100), Self.collect(onB, count: 51))
            #expect(gotA == events)
            #expect(gotB == Array(events[49...]), "filtered, in order")
        }
    }

    @Test func eventsPublishedWhileRedisRestartsArriveOnceWhenItIsBack() async throws {
        guard let outage = TestServers.redisRestart else { throw TestServerMissing(name: "Redis (restart test)") }
        let channel = "test:" + TestServers.uniqueName()
        // Held events wait for the replica however long a loaded machine takes to resubscribe
        // (5 s by default; a stressed run took longer, the events went to no one and the test hung).
        let publisher = RedisEventBus(
            client: RedisClient(configuration: try redisConfiguration(outage.url)), channel: channel,
            listenerWait: .seconds(600))
        let replica = RedisEventBus(
            client: RedisClient(configuration: try redisConfiguration(outage.url)), channel: channel)
        try await withTemporaryDirectory { dir in
            let log = dir + "/redis-control.log"
            defer { _ = try? Shell.control(outage.start, log: log) }
            try await Self.running([publisher, replica]) {
                let stream = await replica.subscribe { _ in true }
                await publisher.publish([Self.event(1)])
                try #require(try Shell.control(outage.stop, log: log))
                // Published while Redis is down: held until it is back and the replica has subscribed again.
                async let held: Void = publisher.publish([Self.event(2), Self.event(3)])
                #expect(try await eventually { !replica.isSubscribed }, "the replica noticed Redis went away")
                try #require(try Shell.control(outage.start, log: log))
                await held
                await publisher.publish([Self.event(4)])
                let got = await Self.collect(stream, count: 4)
                #expect(got.map(\.sequence) == [1, 2, 3, 4])
            }
        }
    }
}
