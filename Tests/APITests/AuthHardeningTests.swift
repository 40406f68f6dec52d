import ClipGenCore
import Coordination
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@testable import API
@testable import Accounts

/// What probing the API as an attacker found about tokens, sign-ins and passwords.
@Suite struct AuthHardeningTests {
    static let secret = String(repeating: "s", count: 32)

    /// A token signed with `secret` whatever its header and claims say: what a forger with the key
    /// (or without it, for `kid` games) could send.
    static func forge(header: [String: Any], claims: [String: Any], secret: String = secret) throws -> String {
        func encode(_ object: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                    of: "=", with: "")
        }
        let input = try encode(header) + "." + encode(claims)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let signature = Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
        return input + "." + signature
    }

    @Test func tokensMustNameAKnownKeyUseHS256AndCarryTimesThisServiceWouldIssue() async throws {
        let tokens = try await TokenService(secret: Self.secret, keyID: "k1", ttlSeconds: 600)
        let user = User(organizationId: .make(), email: "a@x.test", passwordHash: "h", role: .user, createdAt: Date())
        let now = Int(Date().timeIntervalSince1970)
        let good: [String: Any] = [
            "sub": user.id.rawValue, "org": user.organizationId.rawValue, "iat": now, "exp": now + 600, "ver": 0,
        ]
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1", "typ": "JWT"], claims: good))?
                .userId == user.id)
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k9", "typ": "JWT"], claims: good))
                == nil, "unknown kid")
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: good)) == nil, "no kid")
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "none", "kid": "k1"], claims: good)) == nil, "alg none")
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS512", "kid": "k1"], claims: good)) == nil,
            "another alg")
        var future = good
        future["iat"] = now + 3600
        future["exp"] = now + 3900
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1"], claims: future)) == nil,
            "issued in the future")
        var forever = good
        forever["exp"] = now + 10 * 365 * 86400
        #expect(
            try await tokens.verify(Self.forge(header: ["alg": "HS256", "kid": "k1"], claims: forever)) == nil,
            "longer than the TTL")
        #expect(
            try await tokens.verify(
                Self.forge(
                    header: ["alg": "HS256", "kid": "k1"], claims: good, secret: String(repeating: "x", count: 32)))
                == nil)
    }

    @Test func aNewSigningKeyLeavesOldTokensValidUntilTheOldKeyIsRetired() async throws {
        let (old, new) = (String(repeating: "o", count: 32), String(repeating: "n", count: 32))
        let user = User(organizationId: .make(), email: "a@x.test", passwordHash: "h", role: .user, createdAt: Date())
        let before = try await TokenService(secret: old, keyID: "2026-01", ttlSeconds: 600)
        let oldToken = try await before.issue(for: user).token
        let rotated = try await TokenService(
            keys: [SigningKey(id: "2026-02", secret: new), SigningKey(id: "2026-01", secret: old)],
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
                try await client.execute(uri: "/v1/me?access_token=\(token)", method: .get) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .ok)
                }
            }
        }
        #expect(
            RequestLogMiddleware.redacted(URI("/v1/events?a=1&access_token=secret.jwt&b=2"))
                == "/v1/events?a=1&access_token=REDACTED&b=2")
        #expect(RequestLogMiddleware.redacted(URI("/v1/events?ACCESS_TOKEN=x")) == "/v1/events?access_token=REDACTED")
    }

    @Test func repeatedFailuresLockTheAddressThatGuessedNotTheAccount() async throws {
        try await APIHarness.with { h in
            let (user, _) = try await h.member(.user)
            try await h.test { client in
                for _ in 0..<h.loginPolicy.lockAfter {
                    try await client.execute(
                        uri: "/v1/auth/token", method: .post,
                        body: .json(#"{"email":"\#(user.email)","password":"wrong-password"}"#)
                    ) {
                        #expect($0.status == .unauthorized)
                    }
                }
                // The client that guessed is locked out, the right password included.
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"password1-long"}"#)
                ) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "900")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                // Another account is not locked by this one's failures.
                let (other, _) = try await h.member(.user)
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(other.email)","password":"password1-long"}"#)
                ) {
                    #expect($0.status == .ok)
                }
            }
        }
    }

    @Test func theGuardCountsBeforeCheckingSlowsThenLocksGuessersNotTheOwner() async throws {
        var policy = LoginGuard.Policy()
        policy.slowAfter = 2
        policy.lockAfter = 4
        policy.addressLockAfter = 6
        let guardian = LoginGuard(counters: LocalCounters(), policy: policy)
        #expect(try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.1") == .allowed(delay: .zero))
        #expect(try await guardian.begin(email: "A@X.test", addressKey: "10.0.0.1") == .allowed(delay: .zero))
        #expect(
            try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.1") == .allowed(delay: .seconds(1)),
            "slowed")
        #expect(try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.1") == .allowed(delay: .seconds(2)))
        guard case .locked = try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.1") else {
            Issue.record("the guesser is not locked")
            return
        }
        // The account is past its limit, but an address that never failed at it may still try, slowly.
        #expect(try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.2") == .allowed(delay: policy.maxDelay))
        guard case .locked = try await guardian.begin(email: "a@x.test", addressKey: "10.0.0.2") else {
            Issue.record("a second guess got through")
            return
        }
        // A right password takes its attempt back.
        #expect(try await guardian.begin(email: "b@x.test", addressKey: "10.0.0.3") == .allowed(delay: .zero))
        try await guardian.succeeded(email: "b@x.test", addressKey: "10.0.0.3")
        #expect(try await guardian.begin(email: "b@x.test", addressKey: "10.0.0.3") == .allowed(delay: .zero))
        // One address guessing at many accounts.
        for index in 0..<2 { _ = try await guardian.begin(email: "other\(index)@x.test", addressKey: "10.0.0.1") }
        guard case .locked = try await guardian.begin(email: "fresh@x.test", addressKey: "10.0.0.1") else {
            Issue.record("address not locked")
            return
        }
        #expect(try await guardian.begin(email: "fresh@x.test", addressKey: "10.0.0.4") == .allowed(delay: .zero))
        // An IPv6 client is one address per /64 (the edge's limit key), however many it uses.
        for host in 1...6 {
            _ = try await guardian.begin(
                email: "v6-\(host)@x.test", addressKey: ClientAddress.limitKey("2001:db8:1:2::\(host)"))
        }
        guard
            case .locked = try await guardian.begin(
                email: "v6@x.test", addressKey: ClientAddress.limitKey("2001:db8:1:2:ffff::9"))
        else {
            Issue.record("/64 not locked")
            return
        }
    }

    /// Round 3's M5 (b): the counts were read before the failures were recorded, so 40 guesses at
    /// once were all checked. Counted first, at most `lockAfter` of them are.
    @Test func guessesAtOnceAreCountedBeforeAnyIsChecked() async throws {
        let guardian = LoginGuard(counters: LocalCounters())
        let verdicts = try await withThrowingTaskGroup(of: LoginGuard.Verdict.self) { group in
            for _ in 0..<40 {
                group.addTask { try await guardian.begin(email: "victim@x.test", addressKey: "198.51.100.7") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(
            verdicts.filter { if case .allowed = $0 { true } else { false } }.count == LoginGuard.Policy().lockAfter)
    }

    /// Round 3's M5: ten wrong passwords from anyone locked the account for everyone, its admin
    /// with the right password included, and concurrency let about 40 guesses through.
    @Test func anonymousGuessersCannotLockTheOwnerOutNorGetPastTheLimitAtOnce() async throws {
        try await APIHarness.with(configure: { $0.http.trustedProxies = ["127.0.0.1", "::1"] }) { h in
            let (admin, _) = try await h.member(.admin)
            let limit = h.loginPolicy.lockAfter
            try await h.test(live: true) { client in
                let port = try #require(client.port)
                // A connection per guess, so the server checks them at once (one connection's
                // requests are served in turn), each with a hang guard rather than the test
                // client's 20 s, which a loaded machine serving 40 sign-ins can pass.
                @Sendable func signIn(_ password: String, from address: String) async throws -> HTTPResponse.Status {
                    let connection = TestClient(
                        host: "localhost", port: port, configuration: .init(timeout: .seconds(600)))
                    connection.connect()
                    let request = TestClient.Request(
                        "/v1/auth/token", method: .post, authority: "localhost",
                        headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: address],
                        body: .json(#"{"email":"\#(admin.email)","password":"\#(password)"}"#))
                    do {
                        let status = try await connection.execute(request).head.status
                        try await connection.shutdown()
                        return status
                    } catch {
                        try? await connection.shutdown()
                        throw error
                    }
                }
                // 40 at once from one address, the right password among them.
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            try await signIn(index == 39 ? "password1-long" : "wrong-password", from: "198.51.100.7")
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let checked = statuses.filter { $0 == .unauthorized || $0 == .ok }.count
                #expect(checked <= limit, "\(checked) passwords were checked: \(statuses)")
                #expect(statuses.filter { $0 == .tooManyRequests }.count >= 40 - limit)
                #expect(
                    try await signIn("password1-long", from: "198.51.100.7") == .tooManyRequests,
                    "the guessing address stays locked")
                // The admin, from an address that never guessed, signs in.
                #expect(try await signIn("password1-long", from: "203.0.113.20") == .ok)
            }
        }
    }

    @Test func changingAPasswordOrDisablingAUserVoidsTheirTokens() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (user, userToken) = try await h.member(.user, organization: admin.organizationId)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"short"}"#)
                ) {
                    #expect($0.status == .unprocessableContent)
                }
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"currentPassword":"not-my-password","newPassword":"a-new-long-password"}"#)
                ) {
                    #expect($0.status == .forbidden)
                }
                let fresh = try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"a-new-long-password"}"#)
                ) { response in
                    #expect(response.status == .ok)
                    return response.object["accessToken"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(userToken)) {
                    #expect($0.status == .unauthorized, "the old token")
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(fresh)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"a-new-long-password"}"#)
                ) {
                    #expect($0.status == .ok)
                }

                try await client.execute(
                    uri: "/v1/users/\(user.id)", method: .patch, headers: .bearer(fresh, json: true),
                    body: .json(#"{"disabled":true}"#)
                ) { #expect($0.status == .forbidden, "users do not manage users") }
                try await client.execute(
                    uri: "/v1/users/\(user.id)", method: .patch, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"disabled":true}"#)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.object["disabled"] as? Bool == true)
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(fresh)) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"a-new-long-password"}"#)
                ) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(
                    uri: "/v1/users/\(admin.id)", method: .patch, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"disabled":true}"#)
                ) { #expect($0.status == .conflict) }
                let (stranger, _) = try await h.member(.user)
                try await client.execute(
                    uri: "/v1/users/\(stranger.id)", method: .patch, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"role":"admin"}"#)
                ) { #expect($0.status == .notFound, "another organisation's user") }
            }
        }
    }

    @Test func aChangedBcryptCostIsAdoptedAtTheNextSignIn() async throws {
        try await APIHarness.with { h in
            let (user, _) = try await h.member(.user, hashCost: 5)
            #expect(try await h.store.user(id: user.id)?.passwordHash.hasPrefix("$2b$05$") == true)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(user.email)","password":"password1-long"}"#)
                ) {
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
                    } catch let error as AccountError {
                        return Problem(error).status.code // as the edge answers it
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

    /// Round 3's M1: a viewer-capped key of an admin got a full admin token from
    /// `POST /v1/me/password`, and guessed its user's password there with no lockout.
    @Test func onlyASignedInSessionChangesAPasswordAndItsGuessesCountAtTheGuard() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            try await h.test { client in
                let key = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"name":"dashboard","role":"viewer"}"#)
                ) { $0.object["key"] as? String ?? "" }
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(key, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"password1-long"}"#)
                ) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.object["accessToken"] == nil)
                }
                let media = try await client.execute(
                    uri: "/v1/auth/media-token", method: .post, headers: .bearer(adminToken)
                ) {
                    $0.object["accessToken"] as? String ?? ""
                }
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(media, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"password1-long"}"#)
                ) {
                    #expect($0.status == .unauthorized, "a media token opens media only")
                }
                // Guesses through a session are sign-in guesses: after the limit, the right one is refused too.
                for _ in 0..<h.loginPolicy.lockAfter {
                    try await client.execute(
                        uri: "/v1/me/password", method: .post, headers: .bearer(adminToken, json: true),
                        body: .json(#"{"currentPassword":"a-wrong-guess","newPassword":"a-new-long-password"}"#)
                    ) {
                        #expect($0.status == .forbidden)
                    }
                }
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"a-new-long-password"}"#)
                ) {
                    #expect($0.status == .tooManyRequests)
                }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(admin.email)","password":"password1-long"}"#)
                ) {
                    #expect($0.status == .tooManyRequests, "the same guard as sign-in")
                }
            }
        }
    }

    /// Round 3's M2: one user's flood of password checks filled the shared hashing queue and
    /// every sign-in got 503. Each caller now has at most two checks running or waiting.
    @Test func oneCallersHashingCannotFillTheGate() async throws {
        let gate = HashingGate(concurrent: 1, maxWaiting: 32, perCaller: 2)
        let release = Notifier(latching: true)
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    do {
                        try await gate.run(for: "user:flooder") { await release.wait() }
                        return 200
                    } catch let error as AccountError {
                        return Problem(error).status.code // as the edge answers it
                    } catch {
                        return 0
                    }
                }
            }
            // Everyone else still gets a place while the flood holds its two.
            group.addTask {
                while await gate.waitingCount < 1 { await Task.yield() }
                do {
                    try await gate.run(for: "address:203.0.113.9") {}
                    return 201
                } catch {
                    return 503
                }
            }
            var seen: [Int] = []
            for await outcome in group {
                seen.append(outcome)
                if seen.filter({ $0 == 429 }).count == 38 { release.notifyAll() }
            }
            return seen
        }
        #expect(outcomes.filter { $0 == 200 }.count == 2, "\(outcomes)")
        #expect(outcomes.filter { $0 == 429 }.count == 38)
        #expect(outcomes.contains(201), "another caller got through: \(outcomes)")
    }

    /// Round 3's L3: bcrypt stops at a NUL, so `abc\0defghijklmn` was the password `abc`.
    @Test func passwordsWithControlCharactersAreRefusedEverywhere() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"email":"pnul@x.test","password":"abc\u0000defghijklmn","role":"user"}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(String(buffer: response.body).contains("control characters"))
                }
                try await client.execute(
                    uri: "/v1/me/password", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"currentPassword":"password1-long","newPassword":"abc\u0000defghijklmn"}"#)
                ) {
                    #expect($0.status == .unprocessableContent)
                }
                try await client.execute(
                    uri: "/v1/users/\(admin.id)", method: .patch, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"password":"abc\u0000defghijklmn"}"#)
                ) { #expect($0.status == .unprocessableContent) }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(admin.email)","password":"password1-long\u0000extra"}"#)
                ) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
        #expect(
            PasswordPolicy.problem(with: "tab\tinside-a-password") != nil
                && PasswordPolicy.problem(with: "plain-long-password") == nil)
    }

    /// Round 3's L4: emails were unique across the service, so one organisation's admin learned
    /// which addresses had accounts elsewhere (409) and could take addresses before their owners.
    @Test func emailsAreUniquePerOrganisationAndSignInChoosesTheOrganisation() async throws {
        try await APIHarness.with { h in
            let (first, _) = try await h.member(.user)
            let (_, otherAdminToken) = try await h.member(.admin)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(otherAdminToken, json: true),
                    body: .json(
                        #"{"email":"\#(first.email.uppercased())","password":"another-long-one","role":"user"}"#)
                ) {
                    #expect($0.status == .created, "an address another organisation uses says nothing")
                }
                try await client.execute(
                    uri: "/v1/users", method: .post, headers: .bearer(otherAdminToken, json: true),
                    body: .json(#"{"email":"\#(first.email)","password":"another-long-one","role":"user"}"#)
                ) {
                    #expect($0.status == .conflict, "within one organisation it is still unique")
                }
                // Each password opens its own account.
                for (password, organization) in [
                    ("password1-long", first.organizationId.rawValue), ("another-long-one", nil),
                ] {
                    let token = try await client.execute(
                        uri: "/v1/auth/token", method: .post,
                        body: .json(#"{"email":"\#(first.email)","password":"\#(password)"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                        return response.object["accessToken"] as? String ?? ""
                    }
                    let me = try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) {
                        $0.object
                    }
                    if let organization {
                        #expect(me["organizationId"] as? String == organization)
                    } else {
                        #expect(me["organizationId"] as? String != first.organizationId.rawValue)
                    }
                }
            }
            // One person, the same password in two organisations: they say which.
            let (second, _) = try await h.member(.viewer)
            var twin = User(
                organizationId: second.organizationId, email: first.email, passwordHash: first.passwordHash,
                role: .viewer, createdAt: Date())
            twin.tokenVersion = 0
            try await h.store.createUser(twin)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(#"{"email":"\#(first.email)","password":"password1-long"}"#)
                ) {
                    #expect($0.status == .conflict)
                    #expect(String(buffer: $0.body).contains("organizationId"))
                }
                try await client.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: .json(
                        #"""
                        {"email":"\#(first.email)","password":"password1-long",\#
                        "organizationId":"\#(second.organizationId)"}
                        """#
                    )
                ) {
                    #expect($0.status == .ok)
                }
            }
        }
    }

    /// Round 3's L11: after a cost change, unknown emails were checked at the new cost while most
    /// accounts still had hashes at the old one: 59 ms against 3 ms told them apart.
    @Test func unknownEmailsSpendWhatTheTypicalStoredHashCosts() async throws {
        let hasher = PasswordHasher(cost: 4)
        try await hasher.verifyUnknownAccount("some-guess-here", storedCosts: { [6: 5, 4: 1] })
        #expect(hasher.dummyCosts == [6], "the dummy is made at the stored hashes' cost, not the configured one")
        let fresh = PasswordHasher(cost: 5)
        try await fresh.verifyUnknownAccount("some-guess-here", storedCosts: { [:] })
        #expect(fresh.dummyCosts == [5], "no stored hashes: the configured cost")
        try await APIHarness.with { h in
            _ = try await h.member(.user, hashCost: 5)
            _ = try await h.member(.user, hashCost: 5)
            #expect(try await h.store.passwordHashCosts() == [5: 2])
        }
    }

    @Test func idempotencyKeysArePerUserAndOnlyForTheSameRequest() async throws {
        try await APIHarness.with { h in
            let (owner, ownerToken) = try await h.member(.user)
            let (_, colleagueToken) = try await h.member(.user, organization: owner.organizationId)
            try await h.test { client in
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(ownerToken), body: ByteBuffer(string: "bytes")
                ) {
                    $0.object["id"] as? String ?? ""
                }
                func submit(_ token: String, _ body: String) async throws -> (HTTPResponse.Status, String?) {
                    var headers = HTTPFields.bearer(token, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = "retry-1"
                    return try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: .json(body))
                    {
                        ($0.status, $0.object["id"] as? String)
                    }
                }
                let body = #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#
                let first = try await submit(ownerToken, body)
                #expect(first.0 == .accepted)
                let spaced = try await submit(
                    ownerToken, #"{ "clips": [{"end":1, "start":0}], "source": {"uploadId":"\#(upload)"} }"#)
                #expect(spaced.1 == first.1, "the same request written differently")
                let changed = try await submit(
                    ownerToken, #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}]}"#)
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
                try await client.execute(uri: "/metrics", method: .get, headers: .bearer("scrape-token-0124")) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/metrics", method: .get, headers: .bearer("scrape-token-0123")) {
                    #expect($0.status == .ok)
                }
            }
        }
    }
}
