import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

@Suite struct HeadersTests {
    @Test func everyAnswerCarriesTheSecurityHeadersProblemsIncluded() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                for (uri, headers) in [
                    ("/healthz", HTTPFields()), ("/v1/me", HTTPFields.bearer(token)), ("/v1/me", HTTPFields()),
                    ("/v1/nothing-here", HTTPFields.bearer(token)),
                ] {
                    try await client.execute(uri: uri, method: .get, headers: headers) { response in
                        #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri) \(response.status)")
                        #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                        #expect(
                            response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
                        #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                        #expect(response.headers[.cacheControl] == "no-store")
                        #expect(response.headers[.accessControlAllowOrigin] == nil, "no CORS unless configured")
                    }
                }
            }
        }
    }

    @Test func corsAnswersOnlyTheConfiguredOrigins() async throws {
        try await APIHarness.with(configure: { $0.http.corsOrigins = ["https://app.example.com"] }) { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                var preflight: HTTPFields = [
                    .origin: "https://app.example.com", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization, content-type",
                ]
                try await client.execute(uri: "/v1/jobs", method: .options, headers: preflight) { response in
                    #expect(response.status == .noContent)
                    #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                    #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                    #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                }
                preflight[.origin] = "https://evil.example.com"
                try await client.execute(uri: "/v1/jobs", method: .options, headers: preflight) { response in
                    #expect(response.headers[.accessControlAllowOrigin] == nil)
                }
                var headers = HTTPFields.bearer(token)
                headers[.origin] = "https://app.example.com"
                try await client.execute(uri: "/v1/me", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                    #expect(response.headers[.accessControlExposeHeaders]?.contains("RateLimit-Remaining") == true)
                    #expect(response.headers[.vary]?.hasPrefix("Origin") == true)
                }
                headers[.origin] = "https://app.example.com.evil.test"
                try await client.execute(uri: "/v1/me", method: .get, headers: headers) { response in
                    #expect(response.headers[.accessControlAllowOrigin] == nil)
                }
            }
        }
    }
}
