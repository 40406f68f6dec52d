import CBrotli
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Compresses text answers (JSON, problems, the web app's HTML, scripts and styles, subtitles)
/// with br or gzip when the client accepts it. Media is never touched: video, pictures and
/// stored packages are compressed already, and their byte ranges must stay the stored bytes.
/// Only answers of a known length between `minimumSize` and `maximumSize` are compressed (a
/// stream of events has no length and stays as it is).
struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    static var minimumSize: Int { 1024 }
    static var maximumSize: Int { 16 << 20 }

    enum Encoding: String, CaseIterable {
        case br, gzip
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        guard Self.compressible(response.headers[.contentType]), response.headers[.contentEncoding] == nil,
            response.status == .ok || response.status.kind == .clientError || response.status.kind == .serverError
        else { return response }
        // Caches keep one copy per encoding whether or not this answer was compressed.
        response.headers[.vary] = [response.headers[.vary], "Accept-Encoding"].compactMap { $0 }.joined(
            separator: ", ")
        guard let encoding = Self.encoding(accepted: request.headers[values: .acceptEncoding]),
            let length = response.body.contentLength, (Self.minimumSize...Self.maximumSize).contains(length)
        else { return response }
        let collected = Collected()
        try await response.body.write(collected.writer)
        var plain = collected.buffer
        let compressed: ByteBuffer
        switch encoding {
        case .gzip: compressed = try plain.compress(with: .gzip())
        case .br: compressed = try Self.brotli(plain)
        }
        response.headers[.contentEncoding] = encoding.rawValue
        response.headers[.contentLength] = "\(compressed.readableBytes)"
        // The compressed bytes are another representation: a strong validator must differ.
        if let etag = response.headers[.eTag], etag.hasSuffix("\"") {
            response.headers[.eTag] = String(etag.dropLast()) + "-\(encoding.rawValue)\""
        }
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }

    /// Types whose bytes shrink: text and JSON, not media.
    static func compressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        else { return false }
        return type.hasPrefix("text/") && type != "text/event-stream" || type.hasSuffix("json")
            || ["application/javascript", "image/svg+xml", "application/x-subrip", "application/xml"].contains(type)
    }

    /// br before gzip when both are accepted; `q=0` refuses an encoding.
    static func encoding(accepted values: [String]) -> Encoding? {
        var accepted: Set<String> = []
        for item in values.flatMap({ $0.split(separator: ",") }) {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { accepted.insert(name) }
        }
        if accepted.contains("*") { return .br }
        return Encoding.allCases.first { accepted.contains($0.rawValue) }
    }

    /// One-shot Brotli at quality 5: most of br's gain at a few milliseconds for a large list.
    static func brotli(_ plain: ByteBuffer) throws -> ByteBuffer {
        let input = Array(plain.readableBytesView)
        var size = BrotliEncoderMaxCompressedSize(input.count)
        var output = [UInt8](repeating: 0, count: max(size, 64))
        size = output.count
        let ok = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                BrotliEncoderCompress(
                    5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, source.count, source.baseAddress, &size,
                    target.baseAddress)
            }
        }
        guard ok == BROTLI_TRUE else { throw CompressNIOError.internalError }
        return ByteBuffer(bytes: output[0..<size])
    }

    /// An answer's bytes gathered from its writer.
    final class Collected: Sendable {
        private let storage = Mutex(ByteBuffer())
        var buffer: ByteBuffer { storage.withLock { $0 } }
        var writer: Writer { Writer(target: self) }

        struct Writer: ResponseBodyWriter {
            let target: Collected
            mutating func write(_ buffer: ByteBuffer) async throws {
                var buffer = buffer
                _ = target.storage.withLock { $0.writeBuffer(&buffer) }
            }
            consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
        }
    }
}
