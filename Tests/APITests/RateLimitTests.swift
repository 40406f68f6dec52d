import Accounts
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

@Suite struct RateLimitTests {
    @Test func eachUserAndKeyHasABucketAndARefusalSaysWhenToComeBack() async throws {
        // 12 a minute: bursts of 2, a token every 5 s, on a stopped clock: a slow machine refills nothing.
        let (stopped, _) = WallClock.manual()
        try await APIHarness.with(bucketClock: stopped, configure: { $0.rateLimits.perMinute = 12 }) { h in
            let (user, token) = try await h.member(.user)
            let (_, otherToken) = try await h.member(.user)
            try await h.test { client in
                for expected in ["1", "0"] {
                    try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) { response in
                        #expect(response.status == .ok)
                        #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
                        #expect(response.headers[HTTPField.Name("RateLimit-Remaining")!] == expected)
                        #expect(response.headers[HTTPField.Name("RateLimit-Policy")!] == "12;w=60;burst=2")
                    }
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let retry = Int(response.headers[.retryAfter] ?? "") ?? 0
                    #expect(retry >= 1 && retry <= 5, "\(retry)")
                    #expect(response.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(otherToken)) {
                    #expect($0.status == .ok, "another user's bucket")
                }
                // An API key of the same user has a bucket of its own.
                let credential = APIKeyCredential(id: .make(), secret: String(repeating: "a", count: 64))
                try await h.store.createAPIKey(
                    APIKey(
                        id: credential.id, organizationId: user.organizationId, userId: user.id, name: "k",
                        role: .user, secretHash: credential.secretHash, createdAt: Date()))
                try await client.execute(
                    uri: "/v1/me", method: .get, headers: .bearer("cgk_\(credential.id)_\(credential.secret)")
                ) {
                    #expect($0.status == .ok)
                }
                // Errors count and carry the figures too.
                try await client.execute(
                    uri: "/v1/jobs/\(Identifier.make())", method: .get, headers: .bearer(otherToken)
                ) { response in
                    #expect(
                        response.status == .notFound && response.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
                }
            }
        }
    }

    @Test func zeroTurnsTheLimitOff() async throws {
        try await APIHarness.with(configure: { $0.rateLimits.perMinute = 0 }) { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                for _ in 0..<30 {
                    try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(token)) { response in
                        #expect(response.status == .ok && response.headers[HTTPField.Name("RateLimit-Limit")!] == nil)
                    }
                }
            }
        }
    }
}
