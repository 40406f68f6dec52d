import Accounts
import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import PersistenceSQLite
import TestSupport

@testable import API

/// The real application on a temp directory (SQLite, local blobs), without workers, plus
/// helpers to make organisations, users and tokens.
struct APIHarness {
    let store: SQLiteJobStore
    let blobs: LocalBlobStore
    let tokens: TokenService
    let configuration: APIConfiguration
    let directory: String
    var loginPolicy = LoginGuard.Policy()
    var counters = LocalCounters()
    var buckets = LocalTokenBuckets()

    /// `counterClock`: what the shared counters' windows (audit sampling, sign-in failures) are
    /// measured on; a manual one keeps a test's requests inside one window however slow the machine.
    /// `bucketClock` likewise for rate-limit buckets: stopped, no token comes back mid-test.
    static func with<T>(
        maxUploadBytes: Int64 = 1 << 30, tokens: TokenService? = nil, counterClock: WallClock = .system,
        bucketClock: WallClock = .system,
        configure: (inout APIConfiguration) -> Void = { _ in },
        _ body: (APIHarness) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { dir in
            var configuration = APIConfiguration()
            configuration.maxUploadBytes = maxUploadBytes
            configuration.auth.bcryptCost = 4
            configure(&configuration)
            let defaultTokens = try await TokenService(
                secret: String(repeating: "s", count: 32), keyID: "k1", ttlSeconds: 600)
            var harness = APIHarness(
                store: SQLiteJobStore(path: dir + "/db.sqlite"), blobs: LocalBlobStore(root: dir + "/blobs"),
                tokens: tokens ?? defaultTokens,
                configuration: configuration, directory: dir)
            harness.counters = LocalCounters(clock: counterClock)
            harness.buckets = LocalTokenBuckets(clock: bucketClock)
            // Slowing sign-ins is tested on its own; elsewhere it would only make tests wait.
            harness.loginPolicy.maxDelay = .milliseconds(20)
            return try await body(harness)
        }
    }

    /// Through the router (no sockets), or `.live` on a loopback port, where the client has an
    /// address (with 127.0.0.1 trusted as a proxy, `X-Forwarded-For` then names any client).
    func test<T>(live: Bool = false, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        var configuration = configuration
        if live { configuration.http.port = 0 }
        let app = buildApplication(
            configuration: configuration,
            dependencies: APIDependencies(
                store: store, blobs: blobs, tokens: tokens,
                shared: SharedBackends(counters: counters, buckets: buckets),
                loginPolicy: loginPolicy),
            logger: Self.logger)
        return try await app.test(live ? .live : .router, body)
    }

    static var logger: Logger { .quiet("test") }

    /// A new organisation with one user of `role`; returns the user and a bearer token.
    func member(
        _ role: Role, organization: OrganizationID? = nil, password: String = "password1-long", hashCost: Int = 4
    ) async throws -> (User, String) {
        var orgId = organization
        if orgId == nil {
            let org = Organization(name: "org", createdAt: Date())
            try await store.createOrganization(org)
            orgId = org.id
        }
        let user = User(
            organizationId: orgId!, email: "\(role.rawValue)-\(Identifier.make().prefix(8))@x.test",
            passwordHash: try await PasswordHasher.hash(password, cost: hashCost), role: role, createdAt: Date())
        try await store.createUser(user)
        return (user, try await tokens.issue(for: user).token)
    }
}

extension HTTPFields {
    static func bearer(_ token: String, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

extension TestResponse {
    /// The body as a JSON object; empty when it is not one, which fails the expectations that read it.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The `errors[].field` of a problem answer.
    var fields: [String] {
        (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}

extension ByteBuffer {
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
