import BlobStorage
import ClipGenCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import WebApp

/// Stored files as answers: whole, or ranged with ETags. A file whose stored bytes fail their
/// integrity check (a sealed blob damaged or tampered with) is never served: found before the
/// head, it is a 503; found mid-body, the connection is reset, so no client takes a cut-off body
/// for the whole file. Either way the operator hears of it (a warning naming the blob and
/// `blob_integrity_failures_total`).
struct BlobResponses<Blobs: BlobStore>: Sendable {
    let blobs: Blobs
    let metrics: APIMetrics

    /// How long a browser or CDN may keep a file whose bytes never change under its address: a
    /// year, without asking again (a new version of a clip is a new clip, at a new address).
    static var immutable: String { "private, max-age=31536000, immutable" }

    /// A stored file whose bytes never change under its id (a clip, an upload), with its ETag,
    /// `If-None-Match`, one byte range (`Range`, `If-Range`) and the browser allowed to keep it;
    /// streamed as the client reads.
    func ranged(
        _ request: Request, context: AppRequestContext, key: BlobKey, size: Int64, etag: String, contentType: String,
        filename: String
    ) async throws -> Response {
        var headers: HTTPFields = [
            .eTag: etag, .acceptRanges: "bytes", .contentType: contentType, .cacheControl: Self.immutable,
            .contentDisposition: ContentDisposition.attachment(filename: filename),
        ]
        if EntityTag.matchesNoneOf(request.headers[values: .ifNoneMatch], etag: etag) == false {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: size)
        // A stale If-Range means the client's partial copy is of other bytes: send it all.
        if let ifRange = request.headers[.ifRange], ifRange != etag { range = nil }
        if case .unsatisfiable = range {
            throw BlobError.rangeNotSatisfiable(size: size)
        }
        let requested: ClosedRange<Int64>? = if case .satisfiable(let r) = range { r } else { nil }
        let body = try await open(key, range: requested, context: context)
        if let requested {
            headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound)/\(body.totalSize)"
        }
        return Response(
            status: requested == nil ? .ok : .partialContent, headers: headers,
            body: streaming(body, key: key, context: context))
    }

    /// A small stored file, streamed whole; clips themselves go through the range-aware route.
    func whole(key: BlobKey, contentType: String, context: AppRequestContext) async throws -> Response {
        let body = try await open(key, range: nil, context: context)
        return Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "private, max-age=86400"],
            body: streaming(body, key: key, context: context))
    }

    /// A small stored file whose key is never written twice (a clip's poster: its key names the
    /// render that made it), so the key itself is its validator: an ETag from it, `304` when the
    /// client has it, kept for a year.
    func immutableWhole(_ request: Request, key: BlobKey, contentType: String, context: AppRequestContext)
        async throws -> Response
    {
        let etag = "\"" + Hex.string(SHA256.hash(data: Data(key.rawValue.utf8))).prefix(40) + "\""
        let headers: HTTPFields = [.contentType: contentType, .cacheControl: Self.immutable, .eTag: etag]
        if EntityTag.matchesNoneOf(request.headers[values: .ifNoneMatch], etag: etag) == false {
            return Response(status: .notModified, headers: headers)
        }
        let body = try await open(key, range: nil, context: context)
        return Response(status: .ok, headers: headers, body: streaming(body, key: key, context: context))
    }

    /// Bytes `range` of a stored file as a whole response of their own (one file inside a stored package).
    func part(key: BlobKey, range: ClosedRange<Int64>, contentType: String, context: AppRequestContext) async throws
        -> Response
    {
        let body = try await open(key, range: range, context: context)
        return Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "private, max-age=86400"],
            body: streaming(body, key: key, context: context))
    }

    /// The bytes of `range`, read whole: for small reads such as a package's directory.
    func bytes(key: BlobKey, range: ClosedRange<Int64>, context: AppRequestContext) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await open(key, range: range, context: context).write { bytes += Array($0.readableBytesView) }
        return bytes
    }

    private func open(_ key: BlobKey, range: ClosedRange<Int64>?, context: AppRequestContext) async throws -> BlobBody {
        do {
            return try await blobs.get(key, range: range)
        } catch BlobError.damaged {
            report(key, context: context)
            throw Problem.retryLater(
                .serviceUnavailable, after: 60, "the stored file failed its integrity check; the operator has been told"
            )
        }
    }

    /// The blob's bytes as a response body: each chunk is read only after the client took the
    /// last one (`write` waits on the connection), so a slow client holds one chunk, not the file.
    private func streaming(_ body: BlobBody, key: BlobKey, context: AppRequestContext) -> ResponseBody {
        let channel = context.channel
        return ResponseBody(contentLength: Int(body.length)) { writer in
            do {
                try await body.write { chunk in try await writer.write(chunk) }
            } catch BlobError.damaged {
                report(key, context: context)
                // A reset, not a quiet close: nothing may read as the end of the file.
                if let socket = channel as? any SocketOptionProvider {
                    try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
                }
                try? await channel?.close()
                throw BlobError.damaged(key.rawValue)
            }
            try await writer.finish(nil)
        }
    }

    private func report(_ key: BlobKey, context: AppRequestContext) {
        context.logger.warning("a stored file failed its integrity check", metadata: ["blob.key": "\(key)"])
        metrics.blobIntegrityFailure()
    }
}

/// `Content-Disposition: attachment` for a name a client chose: a plain-ASCII fallback in quotes
/// (quotes, backslashes and controls replaced) and the exact name as RFC 8187 `filename*`.
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        let fallback = String(
            filename.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\"
                    ? Character(scalar) : "_"
            })
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(percentEncoded(filename))"
    }

    /// RFC 8187's attr-char kept, every other byte of the UTF-8 as %XX.
    static func percentEncoded(_ text: String) -> String {
        let kept = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        return text.utf8.map { kept.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}
