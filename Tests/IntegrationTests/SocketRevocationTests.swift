import API
import Accounts
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Persistence
import PersistenceSQLite
import Server
import TestSupport
import Testing

/// Round 3's M3: an open event socket outlived its credentials (expired token, disabled user,
/// changed password, revoked key) and streamed every event of the organisation for as long as
/// its client answered pings. Now it closes with 1008.
@Suite(.serialized) struct SocketRevocationTests {
    /// Connects to `url`, signals when open, and answers how the server closed it.
    static func watch(_ url: String, headers: HTTPFields = [:], onOpen: @escaping @Sendable () -> Void) async throws
        -> WebSocketErrorCode?
    {
        var logger = Logger(label: "ws-revocation")
        logger.logLevel = .critical
        let close = try await WebSocketClient.connect(
            url: url, configuration: .init(additionalHeaders: headers), logger: logger
        ) { inbound, _, _ in
            onOpen()
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
        }
        return close?.closeCode
    }

    /// Opens a socket as `token`, runs `revoke`, and answers the close code the socket ended with.
    static func closeCode(port: Int, token: String, revoke: () async throws -> Void) async throws -> WebSocketErrorCode?
    {
        let (opened, open) = AsyncStream.makeStream(of: Void.self)
        let watcher = Task {
            try await watch("ws://localhost:\(port)/v1/events", headers: [.authorization: "Bearer \(token)"]) {
                open.yield()
            }
        }
        for await _ in opened { break }
        try await revoke()
        return try await watcher.value
    }

    /// A user of the admin's organisation with a password, signed in.
    static func member(_ client: ServerHarness.Client, _ store: SQLiteJobStore, role: Role) async throws -> (
        User, String
    ) {
        let admin = try #require(try await store.user(email: "admin@localhost"))
        let user = User(
            organizationId: admin.organizationId, email: "\(role.rawValue)-\(Identifier.make().prefix(6))@x.test",
            passwordHash: try await PasswordHasher.hash("member-password", cost: 4), role: role, createdAt: Date())
        try await store.createUser(user)
        let token = try await client.raw.execute(
            uri: "/v1/auth/token", method: .post,
            body: ByteBuffer(string: #"{"email":"\#(user.email)","password":"member-password"}"#)
        ) {
            try ServerHarness.Client.object($0)["accessToken"] as? String ?? ""
        }
        return (user, token)
    }

    @Test func disablingChangingAPasswordAndRevokingAKeyCloseOpenSocketsAtOnce() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            // Far beyond the test: a socket that closes did so on the revocation, not on a timer.
            configuration.api.http.webSocketRecheckSeconds = 3600
            try await ServerHarness.run(configuration) { client, server in
                let port = try #require(client.raw.port)
                let (viewer, viewerToken) = try await Self.member(client, server.store, role: .viewer)
                let disabled = try await Self.closeCode(port: port, token: viewerToken) {
                    let status = try await client.raw.execute(
                        uri: "/v1/users/\(viewer.id)", method: .patch, headers: client.headers,
                        body: ByteBuffer(string: #"{"disabled":true}"#)
                    ) { $0.status }
                    #expect(status == .ok)
                }
                #expect(disabled == .policyViolation)

                let (_, userToken) = try await Self.member(client, server.store, role: .user)
                let changed = try await Self.closeCode(port: port, token: userToken) {
                    let status = try await client.raw.execute(
                        uri: "/v1/me/password", method: .post,
                        headers: [.authorization: "Bearer \(userToken)", .contentType: "application/json"],
                        body: ByteBuffer(
                            string: #"{"currentPassword":"member-password","newPassword":"another-long-password"}"#)
                    ) { $0.status }
                    #expect(status == .ok)
                }
                #expect(changed == .policyViolation)

                let key = try await client.raw.execute(
                    uri: "/v1/api-keys", method: .post, headers: client.headers,
                    body: ByteBuffer(string: #"{"name":"dashboard","role":"viewer"}"#)
                ) {
                    try ServerHarness.Client.object($0)
                }
                let secret = try #require(key["key"] as? String)
                let id = try #require(key["id"] as? String)
                let revoked = try await Self.closeCode(port: port, token: secret) {
                    let status = try await client.raw.execute(
                        uri: "/v1/api-keys/\(id)", method: .delete, headers: client.headers
                    ) { $0.status }
                    #expect(status == .noContent)
                }
                #expect(revoked == .policyViolation)
            }
        }
    }

    @Test func aSocketClosesWhenItsTokenExpires() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.api.http.webSocketRecheckSeconds = 0.2
            configuration.api.auth.tokenTTLSeconds = 60
            let (clock, time) = WallClock.manual(start: Date())
            let server = EmbeddedServer(configuration: configuration, clock: clock)
            try await server.application(logger: ServerHarness.logger).test(.live) { raw in
                let client = try await ServerHarness.Client.signIn(raw)
                let port = try #require(raw.port)
                let expired = try await Self.closeCode(port: port, token: client.token) {
                    // Well inside its lifetime the token still works; the socket closes once the clock passes it.
                    time.advance(by: 30)
                    let status = try await raw.execute(uri: "/v1/me", method: .get, headers: client.headers) {
                        $0.status
                    }
                    #expect(status == .ok)
                    time.advance(by: 31)
                }
                #expect(expired == .policyViolation)
            }
        }
    }
}
