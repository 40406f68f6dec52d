import Logging
import Foundation
import BlobStorage
import ClipGenCore
import Hummingbird
import Persistence

/// `GET /v1/clips/{id}` and `GET /v1/clips/{id}/content` with ranges and ETags, or with
/// `?redirect=true` a 302 to a presigned URL of the blob store (when it can sign one).
struct ClipRoutes<Store: JobRepository, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("clips/{id}") { _, context -> ClipResponse in
            let principal = try context.require(.read)
            return ClipResponse(try await find(context.parameters.get("id", as: ClipID.self), principal))
        }
        router.get("clips/{id}/content") { request, context -> Response in
            let principal = try context.require(.read)
            let clip = try await find(context.parameters.get("id", as: ClipID.self), principal)
            if request.uri.queryParameters.get("redirect") == "true",
               let url = try await blobs.presignedURL(for: clip.blobKey, expires: Self.presignedLifetime, contentType: clip.format.contentType,
                                                      filename: Self.filename(for: clip)) {
                return Response(status: .found, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
            }
            return try await Self.ranged(request, blobs, key: clip.blobKey, size: clip.size, etag: "\"\(clip.sha256)\"",
                                         contentType: clip.format.contentType, filename: Self.filename(for: clip))
        }
        router.get("clips/{id}/thumbnail") { _, context -> Response in
            let principal = try context.require(.read)
            let clip = try await find(context.parameters.get("id", as: ClipID.self), principal)
            guard let key = clip.thumbnailKey else {
                throw Problem(status: .notFound, detail: "this clip has no thumbnail (the job asked for none)")
            }
            return try await Self.whole(blobs, key: key, contentType: "image/jpeg")
        }
    }

    /// Long enough to start a download on a slow link; short enough that a leaked link soon dies.
    static var presignedLifetime: Duration { .seconds(15 * 60) }

    /// A stored file whose bytes never change under its id (a clip, an upload), with its ETag,
    /// `If-None-Match`, one byte range (`Range`, `If-Range`) and the browser allowed to keep it;
    /// streamed as the client reads.
    static func ranged(_ request: Request, _ blobs: Blobs, key: BlobKey, size: Int64, etag: String, contentType: String,
                       filename: String) async throws -> Response {
        var headers: HTTPFields = [
            .eTag: etag, .acceptRanges: "bytes", .contentType: contentType, .cacheControl: "private, max-age=86400",
            .contentDisposition: "attachment; filename=\"\(filename)\"",
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
        let body = try await blobs.get(key, range: requested)
        if let requested {
            headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound)/\(body.totalSize)"
        }
        return Response(status: requested == nil ? .ok : .partialContent, headers: headers, body: streaming(body))
    }

    /// A small stored file, streamed whole; clips themselves go through the range-aware route.
    static func whole(_ blobs: Blobs, key: BlobKey, contentType: String) async throws -> Response {
        let body = try await blobs.get(key, range: nil)
        return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "private, max-age=86400"], body: streaming(body))
    }

    /// The blob's bytes as a response body: each chunk is read only after the client took the
    /// last one (`write` waits on the connection), so a slow client holds one chunk, not the file.
    static func streaming(_ body: BlobBody) -> ResponseBody {
        ResponseBody(contentLength: Int(body.length)) { writer in
            try await body.write { chunk in try await writer.write(chunk) }
            try await writer.finish(nil)
        }
    }

    private func find(_ id: ClipID?, _ principal: Principal) async throws -> Clip {
        guard let id, let clip = try await store.clip(id: id, organizationId: principal.organizationId) else {
            throw Problem.notFound("clip")
        }
        return clip
    }

    static func filename(for clip: Clip) -> String {
        let base = (clip.name ?? "clip-\(clip.index)").unicodeScalars
            .map { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" }
        return String(base.prefix(100)) + "." + clip.format.fileExtension
    }
}

enum EntityTag {
    /// `If-None-Match` as RFC 9110 §13.1.2 reads it: a list, `*`, and weak comparison (a `W/`
    /// tag matches its strong twin). nil without the header; false when a tag matches.
    static func matchesNoneOf(_ values: [String], etag: String) -> Bool? {
        guard !values.isEmpty else { return nil }
        let tags = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        return !tags.contains { $0 == "*" || opaque($0) == opaque(etag) }
    }
}

/// One `Range: bytes=…` request against a body of `size` bytes (RFC 9110 §14).
enum ByteRange: Equatable {
    case satisfiable(ClosedRange<Int64>)
    case unsatisfiable

    /// nil when there is no header or one we serve whole (several ranges, another unit, bad syntax).
    static func parse(_ header: String?, size: Int64) -> ByteRange? {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard isDigits(parts[1]) else { return nil }
            let suffix = Int64(parts[1]) ?? Int64.max
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - suffix)...(size - 1))
        }
        guard isDigits(parts[0]) else { return nil }
        // A first byte past Int64 is past the end of any file.
        guard let first = Int64(parts[0]), first < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .satisfiable(first...(size - 1)) }
        guard isDigits(parts[1]) else { return nil }
        // A last byte past Int64 means "to the end" (§14.1.2: clamped to the length).
        let last = Int64(parts[1]) ?? Int64.max
        guard last >= first else { return nil }
        return .satisfiable(first...min(last, size - 1))
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
