import API
import Accounts
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Persistence
import Synchronization
import TestSupport
import Testing

/// The WebSocket event streams against a real server with in-process workers.
@Suite(.serialized) struct EventStreamTests {
    static var logger: Logger { .quiet("ws-test") }

    /// Text messages from `url` until the server closes (or `limit` passes, or the task is
    /// cancelled), as JSON objects.
    static func collect(
        _ url: String, headers: HTTPFields = [:], limit: Duration = .seconds(600),
        onOpen: @escaping @Sendable () -> Void = {}
    ) async throws -> [String] {
        let texts = Texts()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await WebSocketClient.connect(
                    url: url, configuration: .init(additionalHeaders: headers), logger: logger
                ) { inbound, _, _ in
                    onOpen()
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { texts.value.withLock { $0.append(text) } }
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            defer { group.cancelAll() }
            do {
                try await group.next()
            } catch is CancellationError {}
        }
        return texts.value.withLock { $0 }
    }

    static func objects(_ texts: [String]) -> [[String: Any]] {
        texts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    final class Texts: Sendable {
        let value = Mutex<[String]>([])
    }

    @Test func aClientWatchingARealRenderSeesProgressRiseAndTheTerminalStatusAndNoOtherOrganisationsEvents()
        async throws
    {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client, server in
                let port = try #require(client.raw.port)
                // A second organisation with its own user, watching everything it may see.
                let other = Organization(name: "other", createdAt: Date())
                try await server.store.createOrganization(other)
                let stranger = User(
                    organizationId: other.id, email: "stranger@x.test",
                    passwordHash: try await PasswordHasher.hash("stranger-password", cost: 4), role: .admin,
                    createdAt: Date())
                try await server.store.createUser(stranger)
                let strangerToken = try await client.raw.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: ByteBuffer(string: #"{"email":"stranger@x.test","password":"stranger-password"}"#)
                ) {
                    try ServerHarness.Client.object($0)["accessToken"] as? String ?? ""
                }

                let upload = try await client.upload(source)
                let strangerOpen = AsyncStream.makeStream(of: Void.self)
                let strangerSaw = Task {
                    try await Self.collect(
                        "ws://localhost:\(port)/v1/events", headers: [.authorization: "Bearer \(strangerToken)"]
                    ) {
                        strangerOpen.continuation.yield()
                    }
                }
                let ownerOpen = AsyncStream.makeStream(of: Void.self)
                let ownerSaw = Task {
                    try await Self.collect(
                        "ws://localhost:\(port)/v1/events", headers: [.authorization: "Bearer \(client.token)"]
                    ) {
                        ownerOpen.continuation.yield()
                    }
                }
                for await _ in strangerOpen.stream { break }
                for await _ in ownerOpen.stream { break }
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","height":180},\#
                    "clips":[{"start":1,"end":3},{"start":5,"end":6}]}
                    """#
                )
                // Connected once the job is under way: the first message is its state as it is now.
                let messages = Self.objects(
                    try await Self.collect("ws://localhost:\(port)/v1/jobs/\(id)/events?access_token=\(client.token)"))
                #expect(messages.first?["type"] as? String == "status" && messages.first?["jobId"] as? String == id)
                #expect(
                    messages.last?["type"] as? String == "status" && messages.last?["status"] as? String == "succeeded",
                    "the socket closes after the terminal status: \(messages.last ?? [:])")
                let progress = messages.compactMap { $0["progress"] as? Double }
                #expect(progress == progress.sorted() && (progress.last ?? 0) == 1, "progress rises to 1: \(progress)")
                let clips = messages.filter { $0["type"] as? String == "clip" }.compactMap {
                    $0["clip"] as? [String: Any]
                }
                #expect(
                    !clips.isEmpty
                        && clips.allSatisfy {
                            ($0["url"] as? String)?.hasPrefix("/v1/clips/") == true && $0["blobKey"] == nil
                        })
                for message in messages {
                    #expect(
                        message["organizationId"] == nil && message["sequence"] == nil,
                        "internal fields stay inside: \(message)")
                }

                try await Task.sleep(for: .milliseconds(500))
                ownerSaw.cancel()
                strangerSaw.cancel()
                let owner = Self.objects(try await ownerSaw.value)
                #expect(
                    owner.contains { $0["jobId"] as? String == id && $0["status"] as? String == "succeeded" },
                    "\(owner.count) messages")
                let strangers = try await strangerSaw.value
                #expect(strangers.isEmpty, "another organisation's subscriber saw: \(strangers)")

                // Another organisation's job id is not found, over WebSocket as over HTTP.
                // Refused, the connect throws at once; the limit is a hang guard, which a loaded
                // machine's slow answer must not turn into a pass or a failure by itself.
                let opened = Texts()
                do {
                    _ = try await Self.collect(
                        "ws://localhost:\(port)/v1/jobs/\(id)/events?access_token=\(strangerToken)",
                        limit: .seconds(300), onOpen: { opened.value.withLock { $0.append("open") } })
                    Issue.record(
                        opened.value.withLock(\.isEmpty)
                            ? "the upgrade had no answer in 300 s" : "the upgrade was accepted")
                } catch {}
                let (status, _) = try await client.raw.execute(
                    uri: "/v1/jobs/\(id)/events?access_token=\(strangerToken)", method: .get
                ) {
                    ($0.status.code, 0)
                }
                #expect(status == 404)
                let (plain, _) = try await client.raw.execute(
                    uri: "/v1/jobs/\(id)/events", method: .get, headers: client.headers
                ) { ($0.status.code, 0) }
                #expect(plain == 426)
                let (anonymous, _) = try await client.raw.execute(uri: "/v1/events", method: .get) {
                    ($0.status.code, 0)
                }
                #expect(anonymous == 401)
            }
        }
    }

    @Test func aClientThatStopsReadingIsDisconnectedNotBufferedForever() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.api.http.webSocketWriteTimeoutSeconds = 1
            try await ServerHarness.run(configuration) { client, server in
                let port = try #require(client.raw.port)
                let admin = try #require(try await server.store.user(email: "admin@localhost"))
                let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                    "Scripts/ws_slow_reader.py"
                ).path
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["python3", script, String(port), client.token]
                let input = Pipe()
                let output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                try process.run()
                let reader = output.fileHandleForReading
                let first = String(decoding: reader.availableData, as: UTF8.self)
                #expect(first.hasPrefix("ready"), "\(first)")
                // Far more than a socket's buffers hold; nobody reads them.
                let job = Job(
                    organizationId: admin.organizationId, ownerId: admin.id,
                    request: JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)]),
                    createdAt: Date())
                for _ in 0..<200 {
                    await server.events.publish(
                        (0..<250).map { index in
                            JobEvent(
                                type: .progress, job: job,
                                error: JobError(
                                    code: .renderFailed, message: String(repeating: "x", count: 200 + index)),
                                at: Date())
                        })
                    await Task.yield()
                }
                try await Task.sleep(for: .seconds(3))
                try input.fileHandleForWriting.close()
                let verdict = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(verdict.contains("closed"), "the server kept a socket nobody reads: \(verdict)")
                // The server is fine afterwards.
                let health = try await client.raw.execute(uri: "/healthz", method: .get) { $0.status.code }
                #expect(health == 200)
            }
        }
    }
}
