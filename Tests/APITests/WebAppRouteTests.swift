import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API
@testable import WebApp

/// The web app's files as the server hands them out, and the media routes a `<video>` loads with
/// `?access_token=` — those and no others.
@Suite struct WebAppRouteTests {
    @Test func thePageAndItsModulesAreServedUnderAStrictPolicy() async throws {
        try await APIHarness.with { h in
            try await h.test { client in
                let etag = try await client.execute(uri: "/", method: .get) { response in
                    #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8")
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(
                        policy.contains("script-src 'self'") && policy.contains("default-src 'none'")
                            && !policy.contains("unsafe"), "\(policy)")
                    #expect(String(buffer: response.body).contains(#"<script type="module" src="/app/app.js">"#))
                    return try #require(response.headers[.eTag])
                }
                try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag]) {
                    #expect($0.status == .notModified)
                }
                for name in WebRoutes.assets.keys where name != "index.html" {
                    try await client.execute(uri: "/app/\(name)", method: .get) { response in
                        #expect(response.status == .ok, "\(name)")
                        #expect(
                            response.headers[.contentType]?.hasPrefix(
                                name.hasSuffix(".js") ? "text/javascript" : "text/css") == true)
                    }
                }
                for missing in ["/app/index.html", "/app/nope.js", "/app/..%2Fapi.js"] {
                    try await client.execute(uri: missing, method: .get) {
                        #expect($0.status == .notFound, "\(missing)")
                    }
                }
            }
        }
    }

    /// Every module the page or another module imports is one the server has.
    @Test func everyImportResolves() throws {
        var referenced: Set<String> = ["app.js", "app.css"]
        for (name, asset) in WebRoutes.assets where name.hasSuffix(".js") {
            let text = String(decoding: asset.body, as: UTF8.self)
            for match in text.matches(of: /from "\.\/([a-z]+\.js)"/) { referenced.insert(String(match.output.1)) }
        }
        #expect(referenced.isSubset(of: Set(WebRoutes.assets.keys)), "\(referenced.subtracting(WebRoutes.assets.keys))")
        #expect(Set(WebRoutes.assets.keys).subtracting(referenced) == ["index.html"], "no file is shipped unused")
    }

    @Test func mediaRoutesTakeATokenInTheQueryAndNothingElseDoes() async throws {
        try await APIHarness.with { h in
            let (admin, token) = try await h.member(.admin)
            _ = admin
            try await h.test { client in
                let id = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token),
                    body: ByteBuffer(string: "0123456789")
                ) { response in
                    try #require(response.object["id"] as? String)
                }
                // A sign-in token never goes into a media URL; a media token does, and opens nothing else.
                try await client.execute(uri: "/v1/uploads/\(id)/content?access_token=\(token)", method: .get) {
                    #expect($0.status == .unauthorized)
                }
                let media = try await client.execute(
                    uri: "/v1/auth/media-token", method: .post, headers: .bearer(token)
                ) { response in
                    try #require(response.object["accessToken"] as? String)
                }
                for uri in ["/v1/me", "/v1/uploads", "/v1/uploads/\(id)"] {
                    try await client.execute(uri: uri, method: .get, headers: .bearer(media)) {
                        #expect($0.status == .unauthorized, "\(uri)")
                    }
                }
                try await client.execute(uri: "/v1/auth/media-token", method: .post, headers: .bearer(media)) {
                    #expect($0.status == .unauthorized)
                }
                let query = "access_token=\(media)"
                try await client.execute(
                    uri: "/v1/uploads/\(id)/content?\(query)", method: .get, headers: [.range: "bytes=2-5"]
                ) { response in
                    #expect(response.status == .partialContent)
                    #expect(
                        String(buffer: response.body) == "2345" && response.headers[.contentRange] == "bytes 2-5/10")
                }
                try await client.execute(uri: "/v1/uploads/\(id)/content", method: .get, headers: .bearer(token)) {
                    response in
                    #expect(response.status == .ok && String(buffer: response.body) == "0123456789")
                }
                // Anywhere else a token in the URL is not read: it would end up in logs.
                for (method, uri) in [
                    (HTTPRequest.Method.get, "/v1/uploads/\(id)"), (.get, "/v1/me"), (.delete, "/v1/uploads/\(id)"),
                ] {
                    try await client.execute(uri: "\(uri)?\(query)", method: method) {
                        #expect($0.status == .unauthorized, "\(method) \(uri)")
                    }
                }
                try await client.execute(uri: "/v1/uploads/\(id)/content?access_token=not-a-token", method: .get) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
    }
}
