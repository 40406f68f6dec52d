import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@testable import API

@Suite struct AuditTests {
    @Test func writesRefusalsSignInFailuresAndKeyUseAreLoggedForTheOrganisationsAdmins() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (user, userToken) = try await h.member(.user, organization: admin.organizationId)
            let (_, viewerToken) = try await h.member(.viewer, organization: admin.organizationId)
            let (_, strangerToken) = try await h.member(.admin)
            try await h.test { client in
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(userToken), body: ByteBuffer(string: "bytes")
                ) {
                    $0.object["id"] as? String ?? ""
                }
                let job = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#)
                ) {
                    $0.object["id"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/jobs/\(job)/cancel", method: .post, headers: .bearer(userToken)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(viewerToken, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#)
                ) { #expect($0.status == .forbidden) }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"wrong-password"}"#)
                ) {
                    #expect($0.status == .unauthorized)
                }
                let key = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"name":"ci"}"#)
                ) { $0.object["key"] as? String ?? "" }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(key)) {
                    #expect($0.status == .ok)
                }

                try await client.execute(uri: "/v1/audit", method: .get, headers: .bearer(userToken)) {
                    #expect($0.status == .forbidden)
                }
                let entries = try await client.execute(
                    uri: "/v1/audit?limit=100", method: .get, headers: .bearer(adminToken)
                ) { response in
                    #expect(response.status == .ok)
                    return response.object["items"] as? [[String: Any]] ?? []
                }
                func entry(_ action: String, _ outcome: String) -> [String: Any]? {
                    entries.first { $0["action"] as? String == action && $0["outcome"] as? String == outcome }
                }
                #expect(entry("POST /v1/uploads", "success")?["target"] as? String == "upload:\(upload)")
                #expect(entry("POST /v1/jobs", "success")?["target"] as? String == "job:\(job)")
                #expect(entry("POST /v1/jobs", "success")?["actorUserId"] as? String == user.id.rawValue)
                #expect(entry("POST /v1/jobs/{id}/cancel", "success")?["target"] as? String == "job:\(job)")
                #expect(entry("POST /v1/jobs", "denied")?["status"] as? Int == 403)
                #expect(
                    entry("POST /v1/auth/token", "unauthenticated")?["actorUserId"] as? String == user.id.rawValue,
                    "a failed sign-in of a known account")
                #expect(entry("apikey.use", "success")?["actorApiKeyId"] != nil)
                #expect(entries.allSatisfy { $0["requestId"] as? String != nil })
                #expect(
                    !entries.contains {
                        ($0["action"] as? String)?.hasPrefix("GET /v1/jobs") == true
                            && $0["outcome"] as? String == "success"
                            && $0["actorApiKeyId"] == nil
                    }, "plain reads are not logged")

                let denied = try await client.execute(
                    uri: "/v1/audit?outcome=denied", method: .get, headers: .bearer(adminToken)
                ) {
                    $0.object["items"] as? [[String: Any]] ?? []
                }
                #expect(!denied.isEmpty && denied.allSatisfy { $0["outcome"] as? String == "denied" })
                let jobsOnly = try await client.execute(
                    uri: "/v1/audit?action=POST%20/v1/jobs", method: .get, headers: .bearer(adminToken)
                ) {
                    $0.object["items"] as? [[String: Any]] ?? []
                }
                #expect(
                    !jobsOnly.isEmpty
                        && jobsOnly.allSatisfy { ($0["action"] as? String)?.hasPrefix("POST /v1/jobs") == true })
                // Paging: newest first, no entry twice.
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let uri = "/v1/audit?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await client.execute(uri: uri, method: .get, headers: .bearer(adminToken)) {
                        $0.object
                    }
                    seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["requestId"] as? String }
                    cursor = page["nextCursor"] as? String
                } while cursor != nil
                #expect(seen.count >= entries.count && Set(seen).count == seen.count)
                try await client.execute(uri: "/v1/audit?cursor=nonsense", method: .get, headers: .bearer(adminToken)) {
                    #expect($0.status == .badRequest)
                }
                try await client.execute(uri: "/v1/audit?from=yesterday", method: .get, headers: .bearer(adminToken)) {
                    #expect($0.status == .badRequest)
                }
                let strangers = try await client.execute(
                    uri: "/v1/audit", method: .get, headers: .bearer(strangerToken)
                ) {
                    $0.object["items"] as? [[String: Any]] ?? []
                }
                #expect(
                    !strangers.contains { $0["actorUserId"] as? String == user.id.rawValue },
                    "another organisation's log")
            }
        }
    }

    /// Round 3's M6: each refusal of a client without an account wrote an audit row (108,848 in
    /// ten seconds from one address), rows nobody could read and nothing ever deleted.
    @Test func refusalsOfClientsWithoutAnAccountAreSampledAndOnlyTheOperatorReadsThem() async throws {
        let operatorToken = String(repeating: "q", count: 40)
        // The sampling minute does not end mid-test on a slow machine.
        let (stopped, _) = WallClock.manual()
        try await APIHarness.with(
            counterClock: stopped,
            configure: {
                $0.auth.operatorToken = operatorToken
                $0.rateLimits.perMinute = 6
            }
        ) { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                for _ in 0..<200 {
                    try await client.execute(uri: "/v1/me", method: .get) { #expect($0.status == .unauthorized) }
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer("not-a-token")) {
                    #expect($0.status == .unauthorized)
                }
                // One user's flood of rate-limited requests, sampled the same way.
                var limited = 0
                for _ in 0..<30 {
                    try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) {
                        if $0.status == .tooManyRequests { limited += 1 }
                    }
                }
                #expect(limited >= 20)
                let service = try await h.store.auditEvents(
                    organizationId: nil, filter: AuditFilter(), page: PageRequest(limit: 100)
                ).items
                #expect(service.count == 1, "one entry a minute per address and status: \(service.count)")
                #expect(service.first?.outcome == "unauthenticated" && service.first?.action == "GET /v1/me")
                let own = try await h.store.auditEvents(
                    organizationId: user.organizationId, filter: AuditFilter(outcome: "limited"),
                    page: PageRequest(limit: 100)
                ).items
                #expect(own.count == 1, "\(own.count) rate-limit refusals written")
                // The operator reads the service-wide entries; nobody else does.
                try await client.execute(uri: "/v1/audit/service", method: .get, headers: .bearer(operatorToken)) {
                    response in
                    #expect(response.status == .ok)
                    #expect((response.object["items"] as? [[String: Any]])?.count == 1)
                }
                try await client.execute(uri: "/v1/audit/service", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
    }
}
