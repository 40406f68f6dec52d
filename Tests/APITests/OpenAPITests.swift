import BlobStorage
import Foundation
import HummingbirdTesting
import Testing

@testable import API

@Suite struct OpenAPITests {
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() async throws {
        try await APIHarness.with { h in
            let router = buildRouter(
                configuration: h.configuration,
                dependencies: APIDependencies(store: h.store, blobs: h.blobs, tokens: h.tokens))
            let served = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
            let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            #expect(
                served.subtracting(documented).isEmpty,
                "served, not documented: \(served.subtracting(documented).sorted())")
            #expect(
                documented.subtracting(served).isEmpty,
                "documented, not served: \(documented.subtracting(served).sorted())")
            // Every reference resolves.
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let text = String(decoding: OpenAPIDocument.json, as: UTF8.self)
            for match in text.matches(of: /#\/components\/schemas\/(\w+)/) {
                #expect(schemas[String(match.1)] != nil, "\(match.1)")
            }
            try await h.test { client in
                try await client.execute(uri: "/openapi.json", method: .get) { response in
                    #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                    #expect(Data(response.body.readableBytesView) == OpenAPIDocument.json)
                }
            }
        }
    }
}
