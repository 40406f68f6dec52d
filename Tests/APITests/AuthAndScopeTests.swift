import Accounts
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

@Suite struct AuthAndScopeTests {
    @Test func noTokenIs401ProblemJSON() async throws {
        try await APIHarness.with { h in
            try await h.test { client in
                try await client.execute(uri: "/v1/jobs", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let body = response.object
                    #expect(body["status"] as? Int == 401 && body["title"] as? String == "Unauthorized")
                    #expect(body["requestId"] != nil)
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer("not.a.jwt")) { response in
                    #expect(response.status == .unauthorized)
                }
            }
        }
    }

    @Test func passwordGrantIssuesAWorkingToken() async throws {
        try await APIHarness.with { h in
            let (user, _) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"wrong-one"}"#)
                ) { response in
                    #expect(response.status == .unauthorized)
                }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"nobody@x.test","password":"password1-long"}"#)
                ) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.object["detail"] as? String == "wrong email or password")
                }
                let token = try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"password1-long"}"#)
                ) { response in
                    #expect(response.status == .ok)
                    let body = response.object
                    #expect(body["tokenType"] as? String == "bearer" && body["expiresIn"] as? Int == 600)
                    return body["accessToken"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) { response in
                    let body = response.object
                    #expect(body["id"] as? String == user.id.rawValue && body["role"] as? String == "user")
                    #expect(body["organizationId"] as? String == user.organizationId.rawValue)
                }
            }
        }
    }

    @Test func expiredTokensAreRefused() async throws {
        try await APIHarness.with { h in
            let (clock, time) = WallClock.manual(start: Date())
            let shortLived = try await TokenService(
                secret: String(repeating: "s", count: 32), keyID: "k1", ttlSeconds: 60, clock: clock)
            let (user, _) = try await h.member(.user)
            let token = try await shortLived.issue(for: user).token
            #expect(await h.tokens.verify(token)?.userId == user.id)
            time.advance(by: -3600) // issued an hour ago in the past clock…
            let stale = try await shortLived.issue(for: user).token
            #expect(await h.tokens.verify(stale) == nil)
        }
    }

    @Test func viewersCannotWrite() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.viewer)
            try await h.test { client in
                let job = #"{"source":{"uploadId":"\#(Identifier.make())"},"clips":[{"start":0,"end":1}]}"#
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)
                ) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "x")
                ) { response in
                    #expect(response.status == .forbidden)
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test func onlyAdminsManageUsersAndNewUsersJoinTheAdminsOrganisation() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (_, userToken) = try await h.member(.user, organization: admin.organizationId)
            try await h.test { client in
                let new = #"{"email":"new@x.test","password":"password9-long","role":"viewer"}"#
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(userToken, json: true), body: .json(new)
                ) { response in
                    #expect(response.status == .forbidden)
                }
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true), body: .json(new)
                ) { response in
                    #expect(response.status == .created)
                    let body = response.object
                    #expect(
                        body["organizationId"] as? String == admin.organizationId.rawValue
                            && body["role"] as? String == "viewer")
                }
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true), body: .json(new)
                ) { response in
                    #expect(response.status == .conflict)
                }
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"email":"nope","password":"short","role":"user"}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    let fields = (response.object["errors"] as? [[String: String]])?.compactMap { $0["field"] }
                    #expect(Set(fields ?? []) == ["email", "password"])
                }
                // Control and invisible characters end up in logs and audit lines: not an email address.
                for bad in [#"a\u0000b@x.test"#, #"a\nb@x.test"#, #"a\u200bb@x.test"#] {
                    try await client.execute(
                        uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true),
                        body: .json(#"{"email":"\#(bad)","password":"password9-long","role":"user"}"#)
                    ) { response in
                        #expect(response.status == .unprocessableContent, "\(bad)")
                    }
                }
                // Trimmed when made, trimmed when signing in.
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"email":"  padded@x.test ","password":"password9-long","role":"user"}"#)
                ) { #expect($0.status == .created) }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":" padded@x.test  ","password":"password9-long"}"#)
                ) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/v1/users", method: .get, headers: .bearer(adminToken)) { response in
                    #expect((response.object["items"] as? [Any])?.count == 4)
                }
            }
        }
    }

    @Test func anotherOrganisationsResourcesAre404() async throws {
        try await APIHarness.with { h in
            let (_, ownerToken) = try await h.member(.user)
            let (_, strangerToken) = try await h.member(.admin)
            try await h.test { client in
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(ownerToken),
                    body: ByteBuffer(string: "video bytes")
                ) {
                    $0.object["id"] as? String ?? ""
                }
                let job = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(ownerToken, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#)
                ) {
                    #expect($0.status == .accepted)
                    return $0.object["id"] as? String ?? ""
                }
                for (method, uri) in [
                    (HTTPRequest.Method.get, "/v1/jobs/\(job)"), (.post, "/v1/jobs/\(job)/cancel"),
                    (.delete, "/v1/jobs/\(job)"),
                    (.get, "/v1/uploads/\(upload)"), (.delete, "/v1/uploads/\(upload)"),
                ] {
                    try await client.execute(uri: uri, method: method, headers: .bearer(strangerToken)) { response in
                        #expect(response.status == .notFound, "\(method) \(uri)")
                    }
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(strangerToken)) { response in
                    #expect((response.object["items"] as? [Any])?.isEmpty == true)
                }
                try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(ownerToken)) {
                    response in
                    #expect(response.status == .ok)
                }
            }
        }
    }
}
