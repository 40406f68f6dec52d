import CBrotli
import ClipGenCore
import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

/// Text answers compressed as the client accepts (br first, then gzip), decoded back to the
/// same bytes; media never compressed, and kept for a year under its content-addressed ETag.
@Suite struct CompressionTests {
    static func accepting(_ encodings: String?, token: String? = nil) -> HTTPFields {
        var headers = token.map { HTTPFields.bearer($0) } ?? HTTPFields()
        if let encodings { headers[.acceptEncoding] = encodings }
        return headers
    }

    static func unbrotli(_ buffer: ByteBuffer) -> String? {
        let input = Array(buffer.readableBytesView)
        var size = 32 << 20
        var output = [UInt8](repeating: 0, count: size)
        let result = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                BrotliDecoderDecompress(source.count, source.baseAddress, &size, target.baseAddress)
            }
        }
        return result == BROTLI_DECODER_RESULT_SUCCESS ? String(decoding: output[0..<size], as: UTF8.self) : nil
    }

    @Test func jsonAndTheWebAppAreCompressedAsTheClientAccepts() async throws {
        try await APIHarness.with { h in
            try await h.test { client in
                let plain = try await client.execute(uri: "/openapi.json", method: .get) { response in
                    #expect(response.headers[.contentEncoding] == nil)
                    #expect(response.headers[.vary]?.contains("Accept-Encoding") == true)
                    return String(buffer: response.body)
                }
                #expect(plain.utf8.count > 10_000)
                try await client.execute(uri: "/openapi.json", method: .get, headers: Self.accepting("gzip, deflate")) {
                    response in
                    #expect(response.headers[.contentEncoding] == "gzip")
                    #expect(response.headers[.contentLength] == "\(response.body.readableBytes)")
                    #expect(response.body.readableBytes * 4 < plain.utf8.count, "\(response.body.readableBytes) bytes")
                    var body = response.body
                    let decoded = String(buffer: try body.decompress(with: .gzip()))
                    #expect(decoded == plain)
                }
                try await client.execute(uri: "/openapi.json", method: .get, headers: Self.accepting("gzip;q=0.5, br"))
                { response in
                    #expect(response.headers[.contentEncoding] == "br")
                    #expect(Self.unbrotli(response.body) == plain)
                }
                // Refused with q=0, or not offered at all: the plain bytes.
                for refusal in ["br;q=0, gzip;q=0", "identity", "compress"] {
                    try await client.execute(uri: "/openapi.json", method: .get, headers: Self.accepting(refusal)) {
                        response in
                        #expect(response.headers[.contentEncoding] == nil, "\(refusal)")
                        #expect(String(buffer: response.body) == plain)
                    }
                }
                // The web app's script, and a problem answer, compress too; a tiny answer does not.
                try await client.execute(uri: "/app/views.js", method: .get, headers: Self.accepting("br")) {
                    response in
                    #expect(response.headers[.contentEncoding] == "br")
                    #expect(Self.unbrotli(response.body)?.contains("renderAgainPanel") == true)
                }
                try await client.execute(uri: "/healthz", method: .get, headers: Self.accepting("gzip")) { response in
                    #expect(response.headers[.contentEncoding] == nil)
                }
            }
        }
    }

    @Test func mediaIsNeverCompressedAndIsKeptForAYear() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            let payload = String(repeating: "a compressible video that is not one ", count: 2000)
            try await h.test { client in
                var headers = HTTPFields.bearer(token)
                headers[HTTPField.Name("X-Filename")!] = "talk.mp4"
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: headers, body: ByteBuffer(string: payload)
                ) { $0.object }
                let uri = "/v1/uploads/\(upload["id"] as? String ?? "")/content"
                let etag = try await client.execute(
                    uri: uri, method: .get, headers: Self.accepting("br, gzip", token: token)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentEncoding] == nil)
                    #expect(response.headers[.cacheControl] == "private, max-age=31536000, immutable")
                    #expect(String(buffer: response.body) == payload)
                    return response.headers[.eTag] ?? ""
                }
                #expect(etag == "\"\(upload["sha256"] as? String ?? "")\"")
                var again = Self.accepting("gzip", token: token)
                again[.ifNoneMatch] = etag
                try await client.execute(uri: uri, method: .get, headers: again) { response in
                    #expect(response.status == .notModified)
                }
                var ranged = Self.accepting("gzip", token: token)
                ranged[.range] = "bytes=0-9"
                try await client.execute(uri: uri, method: .get, headers: ranged) { response in
                    #expect(response.status == .partialContent && response.headers[.contentEncoding] == nil)
                    #expect(String(buffer: response.body) == String(payload.prefix(10)))
                }
            }
        }
    }

    @Test func acceptEncodingIsReadAsRFC9110Says() {
        typealias C = CompressionMiddleware<AppRequestContext>
        #expect(C.encoding(accepted: ["gzip, br"]) == .br)
        #expect(C.encoding(accepted: ["gzip", "deflate"]) == .gzip)
        #expect(C.encoding(accepted: ["br;q=0", "gzip;q=0.1"]) == .gzip)
        #expect(C.encoding(accepted: ["*"]) == .br)
        #expect(C.encoding(accepted: ["identity", "compress;q=1"]) == nil)
        #expect(C.encoding(accepted: []) == nil)
        #expect(C.compressible("application/json; charset=utf-8") && C.compressible("application/problem+json"))
        #expect(C.compressible("text/javascript") && !C.compressible("text/event-stream"))
        #expect(!C.compressible("video/mp4") && !C.compressible("image/jpeg") && !C.compressible(nil))
    }
}
