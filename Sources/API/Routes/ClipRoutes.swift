import BlobStorage
import ClipGenCore
import Delivery
import Foundation
import Hummingbird
import Logging
import Persistence

/// `GET /v1/clips/{id}` and `GET /v1/clips/{id}/content` with ranges and ETags, or with
/// `?redirect=true` a 302 to a presigned URL of the blob store (when it can sign one).
struct ClipRoutes<Store: JobRepository, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs
    let files: BlobResponses<Blobs>

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("clips/{id}", use: show)
        router.get(RouterPath(MediaRoute.clipContent), use: content)
        router.get(RouterPath(MediaRoute.clipThumbnail), use: thumbnail)
        router.get(RouterPath(MediaRoute.renditionContent), use: renditionContent)
        router.get(RouterPath(MediaRoute.renditionFile), use: renditionFile)
    }

    @Sendable func renditionContent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let (clip, rendition) = try await findRendition(context, principal)
        let name = (Self.filename(for: clip) as NSString).deletingPathExtension + "-\(rendition.index)."
        return try await files.ranged(
            request, context: context, key: rendition.blobKey, size: rendition.size, etag: "\"\(rendition.sha256)\"",
            contentType: rendition.format.contentType, filename: name + rendition.format.fileExtension)
    }

    /// One file of an HLS rendition (`index.m3u8`, `segment-000.ts`), read as a byte range of
    /// its stored package, so players fetch the playlist and segments under the clip.
    @Sendable func renditionFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let (_, rendition) = try await findRendition(context, principal)
        guard rendition.format == .hls, let name = context.parameters.get("file") else {
            throw Problem(status: .notFound, detail: "only an hls rendition has files")
        }
        let size = rendition.size
        let tail = try await files.bytes(
            key: rendition.blobKey, range: (size - Int64(ZipIndex.endRecordSize))...(size - 1), context: context)
        guard let directory = ZipIndex.directory(inEndRecord: tail), directory.size > 0,
            let index = ZipIndex(
                directory: try await files.bytes(
                    key: rendition.blobKey, range: directory.offset...(directory.offset + directory.size - 1),
                    context: context))
        else { throw Problem(status: .internalServerError, detail: "the stored HLS package could not be read") }
        guard let entry = index.entries.first(where: { $0.name == name }), entry.size > 0 else {
            throw Problem.notFound("file")
        }
        return try await files.part(
            key: rendition.blobKey, range: entry.dataOffset...(entry.dataOffset + Int64(entry.size) - 1),
            contentType: name.hasSuffix(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp2t", context: context)
    }

    private func findRendition(_ context: AppRequestContext, _ principal: Principal) async throws -> (
        Clip, ClipRendition
    ) {
        let clip = try await find(context.parameters.get("id", as: ClipID.self), principal)
        guard let number = context.parameters.get("number", as: Int.self),
            let rendition = clip.renditions.first(where: { $0.index == number })
        else { throw Problem.notFound("rendition") }
        return (clip, rendition)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> ClipResponse {
        let principal = try context.require(.read)
        return ClipResponse(try await find(context.parameters.get("id", as: ClipID.self), principal))
    }

    @Sendable func content(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let clip = try await find(context.parameters.get("id", as: ClipID.self), principal)
        if request.uri.queryParameters.get("redirect") == "true",
            let url = try await blobs.presignedURL(
                for: clip.blobKey, expires: Self.presignedLifetime, contentType: clip.format.contentType,
                filename: Self.filename(for: clip))
        {
            return Response(status: .found, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
        }
        return try await files.ranged(
            request, context: context, key: clip.blobKey, size: clip.size, etag: "\"\(clip.sha256)\"",
            contentType: clip.format.contentType, filename: Self.filename(for: clip))
    }

    @Sendable func thumbnail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let clip = try await find(context.parameters.get("id", as: ClipID.self), principal)
        guard let key = clip.thumbnailKey else {
            throw Problem(status: .notFound, detail: "this clip has no thumbnail (the job asked for none)")
        }
        return try await files.immutableWhole(request, key: key, contentType: "image/jpeg", context: context)
    }

    /// Long enough to start a download on a slow link; short enough that a leaked link soon dies.
    static var presignedLifetime: Duration { .seconds(15 * 60) }

    private func find(_ id: ClipID?, _ principal: Principal) async throws -> Clip {
        guard let id, let clip = try await store.clip(id: id, organizationId: principal.organizationId) else {
            throw Problem.notFound("clip")
        }
        return clip
    }

    static func filename(for clip: Clip) -> String {
        let base = (clip.name ?? "clip-\(clip.index)").unicodeScalars
            .map {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_"
            }
        return String(base.prefix(100)) + "." + clip.format.fileExtension
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
