import Accounts
import BlobStorage
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@testable import API

/// Who may call what, from one table: every route × admin, user, viewer, API key (the user's,
/// role user) and no token. Then the same ids tried from another organisation: 404 everywhere,
/// and lists that never show them.
@Suite struct AccessMatrixTests {
    enum Caller: Int, CaseIterable, CustomStringConvertible {
        case admin, user, viewer, apiKey, anonymous
        var description: String { ["admin", "user", "viewer", "API key", "no token"][rawValue] }
    }

    /// The organisation under test: its members, and a fresh job (with one stored clip) and
    /// upload owned by `user` whenever a row changes things.
    struct World {
        let h: APIHarness
        let admin: User, user: User, viewer: User
        let tokens: [Caller: String]

        func headers(_ caller: Caller, json: Bool = false) -> HTTPFields {
            var fields: HTTPFields = json ? [.contentType: "application/json"] : [:]
            if let token = tokens[caller] { fields[.authorization] = "Bearer \(token)" }
            return fields
        }

        func upload() async throws -> Upload {
            let id = UploadID.make()
            let key = try BlobKey("uploads/\(id)")
            let info = try await h.blobs.put(
                key,
                from: AsyncThrowingStream {
                    $0.yield(ByteBuffer(string: "video"))
                    $0.finish()
                }, limit: nil)
            return try await h.store.createUpload(
                Upload(
                    id: id, organizationId: user.organizationId, ownerId: user.id, filename: "a.mp4",
                    size: info.size, sha256: info.sha256 + id.rawValue, blobKey: key, createdAt: Date()))
        }

        /// A finished job with one clip whose bytes are stored.
        func job() async throws -> (Job, Clip) {
            let upload = try await upload()
            var request = JobRequest(source: .init(uploadId: upload.id), clips: [.init(start: 0, end: 1)])
            request.quality = false
            let job = Job(organizationId: user.organizationId, ownerId: user.id, request: request, createdAt: Date())
            _ = try await h.store.createJob(
                job, firstTask: TaskRecord(jobId: job.id, kind: .render, clipIndex: 0, maxAttempts: 1),
                idempotencyKey: nil)
            let claimed = try #require(
                try await h.store.claimTask(worker: "matrix", capabilities: [.cpu], leaseSeconds: 60))
            let key = try BlobKey("clips/\(job.id)/0.mp4")
            let info = try await h.blobs.put(
                key,
                from: AsyncThrowingStream {
                    $0.yield(ByteBuffer(string: "clip bytes"))
                    $0.finish()
                }, limit: nil)
            let clip = Clip(
                jobId: job.id, organizationId: user.organizationId, index: 0, name: "c", start: 0, end: 1,
                actualStart: 0, duration: 1,
                format: .mp4, modeUsed: .exact, fallbackReason: nil, size: info.size, sha256: info.sha256, blobKey: key,
                createdAt: Date())
            _ = try await h.store.completeTask(
                taskId: claimed.task.id, worker: "matrix", outcome: TaskOutcome(clips: [clip]),
                transitions: JobTransitions())
            return (try #require(try await h.store.job(id: job.id, organizationId: user.organizationId)), clip)
        }

        func apiKey() async throws -> APIKeyID {
            let credential = APIKeyCredential.make().credential
            try await h.store.createAPIKey(
                APIKey(
                    id: credential.id, organizationId: user.organizationId, userId: user.id, name: "k",
                    role: .user, secretHash: credential.secretHash, createdAt: Date()))
            return credential.id
        }
    }

    struct Row: Sendable {
        var method: HTTPRequest.Method
        /// The path, made for each call (rows that change things get fresh objects).
        var path: @Sendable (World) async throws -> String
        var body: @Sendable (World) -> String? = { _ in nil }
        /// admin, user, viewer, API key, no token.
        var expected: [Int]
    }

    static let rows: [Row] = [
        Row(method: .get, path: { _ in "/healthz" }, expected: [200, 200, 200, 200, 200]),
        Row(method: .get, path: { _ in "/readyz" }, expected: [200, 200, 200, 200, 200]),
        Row(method: .get, path: { _ in "/metrics" }, expected: [200, 200, 200, 200, 200]),
        Row(
            method: .post, path: { _ in "/v1/auth/token" },
            body: { w in #"{"email":"\#(w.user.email)","password":"not-the-password"}"# },
            expected: [401, 401, 401, 401, 401]),
        Row(method: .get, path: { _ in "/" }, expected: [200, 200, 200, 200, 200]),
        Row(method: .get, path: { _ in "/app/app.js" }, expected: [200, 200, 200, 200, 200]),
        Row(method: .get, path: { _ in "/v1/me" }, expected: [200, 200, 200, 200, 401]),
        Row(method: .post, path: { _ in "/v1/auth/media-token" }, expected: [200, 200, 200, 403, 401]),
        Row(
            method: .post, path: { _ in "/v1/me/password" },
            body: { _ in #"{"currentPassword":"wrong-password","newPassword":"another-long-one"}"# },
            expected: [403, 403, 403, 403, 401]),
        Row(
            method: .post, path: { _ in "/v1/users" },
            body: { _ in
                #"{"email":"n\#(Identifier.make().prefix(8))@x.test","password":"a-long-password","role":"viewer"}"#
            },
            expected: [201, 403, 403, 403, 401]),
        Row(method: .get, path: { _ in "/v1/users" }, expected: [200, 403, 403, 403, 401]),
        Row(
            method: .patch, path: { w in "/v1/users/\(w.viewer.id)" }, body: { _ in #"{"role":"viewer"}"# },
            expected: [200, 403, 403, 403, 401]),
        Row(
            method: .post, path: { _ in "/v1/api-keys" }, body: { _ in #"{"name":"matrix"}"# },
            expected: [201, 201, 403, 201, 401]),
        Row(method: .get, path: { _ in "/v1/api-keys" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .delete, path: { w in "/v1/api-keys/\(try await w.apiKey())" },
            expected: [204, 204, 403, 204, 401]),
        Row(
            method: .post, path: { _ in "/v1/uploads" }, body: { _ in "some bytes" },
            expected: [201, 201, 403, 201, 401]),
        Row(method: .get, path: { _ in "/v1/uploads" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/uploads/\(try await w.upload().id)" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/uploads/\(try await w.upload().id)/content" },
            expected: [200, 200, 200, 200, 401]),
        Row(
            method: .delete, path: { w in "/v1/uploads/\(try await w.upload().id)" },
            expected: [204, 204, 403, 204, 401]),
        Row(
            method: .post, path: { w in "/v1/jobs?u=\(try await w.upload().id)" },
            body: { _ in nil }, expected: [202, 202, 403, 202, 401]),
        Row(method: .get, path: { _ in "/v1/jobs" }, expected: [200, 200, 200, 200, 401]),
        Row(method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/analysis" },
            expected: [404, 404, 404, 404, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/storyboard.jpg" },
            expected: [404, 404, 404, 404, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/storyboard.vtt" },
            expected: [404, 404, 404, 404, 401]),
        Row(
            method: .post, path: { w in "/v1/jobs/\(try await w.job().0.id)/cancel" },
            expected: [200, 200, 403, 200, 401]),
        Row(method: .delete, path: { w in "/v1/jobs/\(try await w.job().0.id)" }, expected: [204, 204, 403, 204, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/events" },
            expected: [426, 426, 426, 426, 401]),
        Row(method: .get, path: { _ in "/v1/events" }, expected: [426, 426, 426, 426, 401]),
        Row(method: .get, path: { w in "/v1/clips/\(try await w.job().1.id)" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/clips/\(try await w.job().1.id)/content" },
            expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/clips/\(try await w.job().1.id)/thumbnail" },
            expected: [404, 404, 404, 404, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/deliveries" },
            expected: [200, 200, 200, 200, 401]),
        Row(method: .get, path: { _ in "/v1/webhook-secret" }, expected: [200, 403, 403, 403, 401]),
        Row(method: .post, path: { _ in "/v1/webhook-secret" }, expected: [200, 403, 403, 403, 401]),
        Row(method: .get, path: { _ in "/v1/audit" }, expected: [200, 403, 403, 403, 401]),
        Row(method: .get, path: { _ in "/v1/quotas" }, expected: [200, 200, 200, 200, 401]),
        Row(method: .get, path: { _ in "/v1/analytics/summary" }, expected: [200, 200, 200, 200, 401]),
        Row(method: .get, path: { _ in "/v1/quality/summary" }, expected: [200, 200, 200, 200, 401]),
        Row(
            method: .get, path: { w in "/v1/jobs/\(try await w.job().0.id)/quality" },
            expected: [200, 200, 200, 200, 401]),
        // Operator routes: no user's token opens them, and without an operator token configured they are closed.
        Row(
            method: .post, path: { _ in "/v1/organizations" }, body: { _ in #"{"name":"x","adminEmail":"x@x.test"}"# },
            expected: [403, 403, 403, 403, 403]),
        Row(
            method: .put, path: { w in "/v1/organizations/\(w.admin.organizationId)/quotas" }, body: { _ in "{}" },
            expected: [403, 403, 403, 403, 403]),
    ]

    static func world(_ h: APIHarness) async throws -> World {
        let (admin, adminToken) = try await h.member(.admin)
        let (user, userToken) = try await h.member(.user, organization: admin.organizationId)
        let (viewer, viewerToken) = try await h.member(.viewer, organization: admin.organizationId)
        let (text, credential) = APIKeyCredential.make()
        try await h.store.createAPIKey(
            APIKey(
                id: credential.id, organizationId: admin.organizationId, userId: user.id, name: "matrix",
                role: .user, secretHash: credential.secretHash, createdAt: Date()))
        return World(
            h: h, admin: admin, user: user, viewer: viewer,
            tokens: [.admin: adminToken, .user: userToken, .viewer: viewerToken, .apiKey: text])
    }

    @Test func everyRouteAnswersEachCallerAsTheTableSays() async throws {
        try await APIHarness.with { h in
            let world = try await Self.world(h)
            try await h.test { client in
                var mismatches: [String] = []
                for row in Self.rows {
                    for caller in Caller.allCases {
                        var path = try await row.path(world)
                        var body = row.body(world)
                        // Job submissions carry the fresh upload in the body, not the path.
                        if path.hasPrefix("/v1/jobs?u=") {
                            body =
                                #"""
                                {"source":{"uploadId":"\#(path.dropFirst("/v1/jobs?u=".count))"},\#
                                "clips":[{"start":0,"end":1}]}
                                """#
                            path = "/v1/jobs"
                        }
                        let status = try await client.execute(
                            uri: path, method: row.method,
                            headers: world.headers(caller, json: body?.hasPrefix("{") == true),
                            body: body.map { ByteBuffer(string: $0) }
                        ) { Int($0.status.code) }
                        let expected = row.expected[caller.rawValue]
                        if status != expected {
                            mismatches.append("\(row.method) \(path) as \(caller): \(status), expected \(expected)")
                        }
                    }
                }
                #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
            }
        }
    }

    @Test func anotherOrganisationsIdsAre404EverywhereAndListsNeverShowThem() async throws {
        try await APIHarness.with { h in
            let world = try await Self.world(h)
            let (_, stranger) = try await h.member(.admin)
            let (job, clip) = try await world.job()
            let upload = try await world.upload()
            let key = try await world.apiKey()
            let headers = HTTPFields.bearer(stranger, json: true)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/uploads/\(upload.id)", nil), (.get, "/v1/uploads/\(upload.id)/content", nil),
                (.delete, "/v1/uploads/\(upload.id)", nil),
                (.get, "/v1/jobs/\(job.id)", nil), (.get, "/v1/jobs/\(job.id)/analysis", nil),
                (.get, "/v1/jobs/\(job.id)/storyboard.jpg", nil), (.get, "/v1/jobs/\(job.id)/storyboard.vtt", nil),
                (.get, "/v1/jobs/\(job.id)/events", nil), (.get, "/v1/jobs/\(job.id)/quality", nil),
                (.post, "/v1/jobs/\(job.id)/cancel", nil), (.delete, "/v1/jobs/\(job.id)", nil),
                (.get, "/v1/clips/\(clip.id)", nil), (.get, "/v1/clips/\(clip.id)/content", nil),
                (.get, "/v1/clips/\(clip.id)/thumbnail", nil),
                (.patch, "/v1/users/\(world.user.id)", #"{"disabled":true}"#), (.delete, "/v1/api-keys/\(key)", nil),
                (.post, "/v1/jobs", #"{"source":{"uploadId":"\#(upload.id)"},"clips":[{"start":0,"end":1}]}"#),
            ]
            try await h.test { client in
                for (method, path, body) in attempts {
                    let status = try await client.execute(
                        uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
                    ) {
                        Int($0.status.code)
                    }
                    // Submitting a job for another organisation's upload names the field, as for any unknown upload.
                    #expect(status == (path == "/v1/jobs" ? 422 : 404), "\(method) \(path): \(status)")
                }
                // Reports count only the caller's organisation: the other's job and clip are not in them.
                let analytics = try await client.execute(uri: "/v1/analytics/summary", method: .get, headers: headers) {
                    String(buffer: $0.body)
                }
                #expect(analytics.contains(#""jobs":{}"#) && analytics.contains(#""clips":0"#), "\(analytics)")
                let quality = try await client.execute(uri: "/v1/quality/summary", method: .get, headers: headers) {
                    String(buffer: $0.body)
                }
                #expect(quality.contains(#""clips":0"#), "\(quality)")
                for list in ["/v1/uploads", "/v1/jobs", "/v1/users", "/v1/api-keys"] {
                    let text = try await client.execute(uri: list, method: .get, headers: headers) {
                        String(buffer: $0.body)
                    }
                    for id in [
                        upload.id.rawValue, job.id.rawValue, world.user.id.rawValue, world.admin.id.rawValue,
                        key.rawValue,
                    ] {
                        #expect(!text.contains(id), "\(list) shows another organisation's \(id)")
                    }
                }
            }
            // Nothing of the first organisation was changed by the attempts.
            #expect(try await h.store.job(id: job.id, organizationId: world.user.organizationId)?.status == .succeeded)
            #expect(try await h.store.user(id: world.user.id)?.disabled == false)
            #expect(try await h.store.apiKey(id: key)?.revokedAt == nil)
        }
    }
}
