@testable import API
import ClipGenCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

/// What probing the API as an attacker found about tokens, sign-ins and passwords.
@Suite struct AuthHardeningTests {
    static let secret = String(repeating: "s", count: 32)

    /// A token signed with `secret` whatever its header and claims say: what a forger with the key
    /// (or without it, for `kid` games) could send.
    static func forge(header: [String: Any], claims: [String: Any], secret: String = secret) throws -> String {
        func encode(_ object: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let input = try encode(header) + "." + encode(claims)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let signature = Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return input + "." + signature
    }

    @Test func tokensMustNameAKnownKeyUseHS256AndCarryTimesThisServiceWouldIssue() async throws {
        let tokens = try await TokenService(secret: Self.secret, keyID: "k1", ttlSeconds: 600)
        let user = User(organizationId: .make(), email: "a@x.test", passwordHash: "h", role: .user, createdAt: Date())
        let now = Int(Date().timeIntervalSince1970)
        let good: [String: Any] = ["sub": user.id.rawValue, "org": user.organizationId.rawValue, "iat": now, "exp": now + 600, "ver": 0]
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1", "typ": "JWT"], claims: good))?.userId == user.id)
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k9", "typ": "JWT"], claims: good)) == nil, "unknown kid")
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: good)) == nil, "no kid")
        #expect(try await tokens.verify(Self.forge(header: ["alg": "none", "kid": "k1"], claims: good)) == nil, "alg none")
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS512", "kid": "k1"], claims: good)) == nil, "another alg")
        var future = good
        future["iat"] = now + 3600
        future["exp"] = now + 3900
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1"], claims: future)) == nil, "issued in the future")
        var forever = good
        forever["exp"] = now + 10 * 365 * 86400
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1"], claims: forever)) == nil, "longer than the TTL")
        #expect(try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1"], claims: good, secret: String(repeating: "x", count: 32))) == nil)
    }

    @Test func aNewSigningKeyLeavesOldTokensValidUntilTheOldKeyIsRetired() async throws {
        let (old, new) = (String(repeating: "o", count: 32), String(repeating: "n", count: 32))
        let user = User(organizationId: .make(), email: "a@x.test", passwordHash: "h", role: .user, createdAt: Date())
        let before = try await TokenService(secret: old, keyID: "2026-01", ttlSeconds: 600)
        let oldToken = try await before.issue(for: user).token
        let rotated = try await TokenService(keys: [SigningKey(id: "2026-02", secret: new), SigningKey(id: "2026-01", secret: old)],
                                             activeKeyID: "2026-02", ttlSeconds: 600)
        let newToken = try await rotated.issue(for: user).token
        #expect(await rotated.verify(oldToken)?.userId == user.id)
        #expect(await rotated.verify(newToken)?.userId == user.id)
        #expect(await before.verify(newToken) == nil, "a replica not yet given the new key refuses its tokens")
        let retired = try await TokenService(secret: new, keyID: "2026-02", ttlSeconds: 600)
        #expect(await retired.verify(oldToken) == nil)
        #expect(await retired.verify(newToken)?.userId == user.id)
        await #expect(throws: (any Error).self) {
            try await TokenService(keys: [SigningKey(id: "a", secret: new)], activeKeyID: "b", ttlSeconds: 600)
        }
    }

    @Test func accessTokenInTheQueryIsRefusedOnOrdinaryRoutesAndRedactedInLogs() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(uri: "/v1/me?access_token=\(token)", method: .get) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) { #expect($0.status == .ok) }
            }
        }
        #expect(RequestLogMiddleware.redacted(URI("/v1/events?a=1&access_token=secret.jwt&b=2"))
                == "/v1/events?a=1&access_token=REDACTED&b=2")
        #expect(RequestLogMiddleware.redacted(URI("/v1/events?ACCESS_TOKEN=x")) == "/v1/events?access_token=REDACTED")
    }

    @Test func repeatedFailuresLockTheAccountEvenForTheRightPassword() async throws {
        try await APIHarness.with { h in
            let (user, _) = try await h.member(.user)
            try await h.test { client in
                for _ in 0..<h.loginPolicy.lockAfter {
                    try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(user.email)","password":"wrong-password"}"#)) {
                        #expect($0.status == .unauthorized)
                    }
                }
                try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(user.email)","password":"password1-long"}"#)) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "900")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                // Another account is not locked by this one's failures.
                let (other, _) = try await h.member(.user)
                try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(other.email)","password":"password1-long"}"#)) {
                    #expect($0.status == .ok)
                }
            }
        }
    }

    @Test func theGuardSlowsThenLocksPerAccountAndPerAddress() async throws {
        var policy = LoginGuard.Policy()
        policy.slowAfter = 2
        policy.lockAfter = 4
        policy.addressLockAfter = 6
        let guardian = LoginGuard(counters: LocalCounters(), policy: policy)
        #expect(try await guardian.verdict(email: "a@x.test", address: "10.0.0.1") == .allowed(delay: .zero))
        try await guardian.recordFailure(email: "a@x.test", address: "10.0.0.1")
        #expect(try await guardian.verdict(email: "A@X.test", address: "10.0.0.1") == .allowed(delay: .zero))
        try await guardian.recordFailure(email: "a@x.test", address: "10.0.0.1")
        #expect(try await guardian.verdict(email: "a@x.test", address: "10.0.0.1") == .allowed(delay: .seconds(1)), "slowed")
        try await guardian.recordFailure(email: "a@x.test", address: "10.0.0.1")
        #expect(try await guardian.verdict(email: "a@x.test", address: "10.0.0.1") == .allowed(delay: .seconds(2)))
        try await guardian.recordFailure(email: "a@x.test", address: "10.0.0.1")
        guard case .locked = try await guardian.verdict(email: "a@x.test", address: "10.0.0.2") else { Issue.record("not locked"); return }
        // One address guessing at many accounts.
        for index in 0..<2 { try await guardian.recordFailure(email: "other\(index)@x.test", address: "10.0.0.1") }
        guard case .locked = try await guardian.verdict(email: "fresh@x.test", address: "10.0.0.1") else { Issue.record("address not locked"); return }
        #expect(try await guardian.verdict(email: "fresh@x.test", address: "10.0.0.3") == .allowed(delay: .zero))
    }

    @Test func changingAPasswordOrDisablingAUserVoidsTheirTokens() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (user, userToken) = try await h.member(.user, organization: admin.organizationId)
            try await h.test { client in
                try await client.execute(uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                                         body: .json(#"{"currentPassword":"password1-long","newPassword":"short"}"#)) {
                    #expect($0.status == .unprocessableContent)
                }
                try await client.execute(uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                                         body: .json(#"{"currentPassword":"not-my-password","newPassword":"a-new-long-password"}"#)) {
                    #expect($0.status == .forbidden)
                }
                let fresh = try await client.execute(uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                                                     body: .json(#"{"currentPassword":"password1-long","newPassword":"a-new-long-password"}"#)) { response in
                    #expect(response.status == .ok)
                    return response.object["accessToken"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(userToken)) { #expect($0.status == .unauthorized, "the old token") }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(fresh)) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(user.email)","password":"a-new-long-password"}"#)) {
                    #expect($0.status == .ok)
                }

                try await client.execute(uri: "/v1/users/\(user.id)", method: .patch, headers: .bearer(fresh, json: true),
                                         body: .json(#"{"disabled":true}"#)) { #expect($0.status == .forbidden, "users do not manage users") }
                try await client.execute(uri: "/v1/users/\(user.id)", method: .patch, headers: .bearer(adminToken, json: true),
                                         body: .json(#"{"disabled":true}"#)) { response in
                    #expect(response.status == .ok)
                    #expect(response.object["disabled"] as? Bool == true)
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(fresh)) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(user.email)","password":"a-new-long-password"}"#)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/users/\(admin.id)", method: .patch, headers: .bearer(adminToken, json: true),
                                         body: .json(#"{"disabled":true}"#)) { #expect($0.status == .conflict) }
                let (stranger, _) = try await h.member(.user)
                try await client.execute(uri: "/v1/users/\(stranger.id)", method: .patch, headers: .bearer(adminToken, json: true),
                                         body: .json(#"{"role":"admin"}"#)) { #expect($0.status == .notFound, "another organisation's user") }
            }
        }
    }

    @Test func aChangedBcryptCostIsAdoptedAtTheNextSignIn() async throws {
        try await APIHarness.with { h in
            let (user, _) = try await h.member(.user, hashCost: 5)
            #expect(try await h.store.user(id: user.id)?.passwordHash.hasPrefix("$2b$05$") == true)
            try await h.test { client in
                try await client.execute(uri: "/v1/auth/token", method: .post, body: .json(#"{"email":"\#(user.email)","password":"password1-long"}"#)) {
                    #expect($0.status == .ok)
                }
            }
            let rehashed = try #require(try await h.store.user(id: user.id)?.passwordHash)
            #expect(rehashed.hasPrefix("$2b$04$"))
            #expect(try await PasswordHasher.verify("password1-long", hash: rehashed))
        }
    }

    @Test func hashingBeyondTheGatesQueueIsShedNotQueued() async throws {
        let gate = HashingGate(concurrent: 1, maxWaiting: 1)
        let hasher = PasswordHasher(cost: 10, gate: gate)
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await hasher.hash("a-long-password")
                        return 200
                    } catch let problem as Problem {
                        return problem.status.code
                    } catch {
                        return 0
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == 200 }.count >= 2, "one running and one waiting always get through: \(outcomes)")
        #expect(outcomes.contains(503), "the rest are turned away: \(outcomes)")
        #expect(!outcomes.contains(0))
    }

    @Test func idempotencyKeysArePerUserAndOnlyForTheSameRequest() async throws {
        try await APIHarness.with { h in
            let (owner, ownerToken) = try await h.member(.user)
            let (_, colleagueToken) = try await h.member(.user, organization: owner.organizationId)
            try await h.test { client in
                let upload = try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(ownerToken), body: ByteBuffer(string: "bytes")) {
                    $0.object["id"] as? String ?? ""
                }
                func submit(_ token: String, _ body: String) async throws -> (HTTPResponse.Status, String?) {
                    var headers = HTTPFields.bearer(token, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = "retry-1"
                    return try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: .json(body)) {
                        ($0.status, $0.object["id"] as? String)
                    }
                }
                let body = #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#
                let first = try await submit(ownerToken, body)
                #expect(first.0 == .accepted)
                let spaced = try await submit(ownerToken, #"{ "clips": [{"end":1, "start":0}], "source": {"uploadId":"\#(upload)"} }"#)
                #expect(spaced.1 == first.1, "the same request written differently")
                let changed = try await submit(ownerToken, #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}]}"#)
                #expect(changed.0 == .unprocessableContent)
                let colleague = try await submit(colleagueToken, body)
                #expect(colleague.0 == .accepted && colleague.1 != first.1, "keys belong to their user")
            }
        }
    }

    @Test func metricsNeedTheConfiguredToken() async throws {
        try await APIHarness.with(configure: { $0.http.metricsToken = "scrape-token-0123" }) { h in
            try await h.test { client in
                try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/metrics", method: .get, headers: .bearer("scrape-token-0124")) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/metrics", method: .get, headers: .bearer("scrape-token-0123")) { #expect($0.status == .ok) }
            }
        }
    }
}
