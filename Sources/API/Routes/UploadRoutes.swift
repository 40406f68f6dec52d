import BlobStorage
import ClipGenCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Persistence

/// `POST /v1/uploads` streams the body (raw or the `file` part of multipart/form-data) to the
/// blob store under `uploads/<id>`, hashing on the way; an upload the organisation already has
/// shares the stored bytes. `GET`, list and `DELETE`.
struct UploadRoutes<Store: JobRepository & QuotaLedger, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs
    let quotas: QuotaPolicy
    let clock: WallClock
    let files: BlobResponses<Blobs>

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("uploads", use: create)
        router.get("uploads/{id}", use: show)
        // The uploaded file itself, for a player (ranges) or a download.
        router.get(RouterPath(MediaRoute.uploadContent), use: content)
        router.get("uploads", use: list)
        router.delete("uploads/{id}", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<UploadResponse> {
        let principal = try context.require(.write)
        let limits = try await quotas.limits(for: principal.organizationId, in: store)
        let maxBytes = limits.uploadBytes
        // What the organisation may still store; an upload past it is refused as it streams.
        var room = Int64.max
        if let stored = limits.storedBytes {
            room = max(0, stored - (try await store.usage(organizationId: principal.organizationId)).storedBytes)
        }
        let storageFull = QuotaPolicy.storageFull()
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) {
            if length > maxBytes {
                throw Problem(status: .contentTooLarge, detail: "uploads are limited to \(maxBytes) bytes")
            }
            if length > room { throw storageFull }
        }
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/") == true,
            MultipartFileSequence<RequestBody>.boundary(fromContentType: request.headers[.contentType]) == nil
        {
            // Stored raw, the form's framing would become part of the "video".
            throw Problem(
                status: .badRequest,
                detail: "a multipart upload needs multipart/form-data with a boundary of 1 to 70 characters")
        }
        let id = UploadID.make()
        let key = try BlobKey("uploads/\(id)")
        let info: BlobInfo
        let filename: String
        // With a storage quota the bytes hold room as they arrive (from the declared length
        // on), so uploads at once cannot all take the same free room.
        let body = try await reserving(
            request.body, for: id, organization: principal.organizationId, limit: limits.storedBytes,
            declared: request.headers[.contentLength].flatMap { Int64($0) })
        do {
            if let boundary = MultipartFileSequence<RequestBody>.boundary(
                fromContentType: request.headers[.contentType])
            {
                let part = MultipartFileSequence(
                    base: body, boundary: boundary, fieldName: "file", limit: min(maxBytes, room))
                info = try await blobs.put(key, from: part, limit: min(maxBytes, room))
                filename = part.filename ?? "upload"
            } else {
                info = try await blobs.put(key, from: body, limit: min(maxBytes, room))
                filename = request.headers[.filename] ?? "upload"
            }
        } catch BlobError.tooLarge {
            try? await store.releaseStorage(id: StorageReservation.uploadID(id))
            if room < maxBytes { throw storageFull }
            throw Problem(status: .contentTooLarge, detail: "uploads are limited to \(maxBytes) bytes")
        } catch {
            try? await store.releaseStorage(id: StorageReservation.uploadID(id))
            throw error
        }
        guard info.size > 0 else {
            // Empty uploads are never recorded, so no row can reference this blob.
            try? await blobs.delete(key)
            try? await store.releaseStorage(id: StorageReservation.uploadID(id))
            throw Problem.invalid([.init(field: "file", message: "the upload is empty")])
        }
        let upload: Upload
        do {
            upload = try await store.createUpload(
                Upload(
                    id: id, organizationId: principal.organizationId, ownerId: principal.userId,
                    filename: Self.sanitize(filename),
                    size: info.size, sha256: info.sha256, blobKey: key, createdAt: clock.now()))
        } catch {
            try? await blobs.delete(key)
            try? await store.releaseStorage(id: StorageReservation.uploadID(id))
            throw error
        }
        if upload.blobKey != key {
            // The organisation already had these bytes; the new row shares them.
            try? await blobs.delete(key)
        }
        context.logger.info("upload stored", metadata: ["upload.id": "\(upload.id)", "upload.bytes": "\(upload.size)"])
        return Created(location: "/v1/uploads/\(upload.id)", body: UploadResponse(upload))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> UploadResponse {
        let principal = try context.require(.read)
        return UploadResponse(try await find(context.parameters.get("id", as: UploadID.self), principal))
    }

    @Sendable func content(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let upload = try await find(context.parameters.get("id", as: UploadID.self), principal)
        return try await files.ranged(
            request, context: context, key: upload.blobKey, size: upload.size, etag: "\"\(upload.sha256)\"",
            contentType: Self.contentType(of: upload.filename), filename: upload.filename)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<UploadResponse> {
        let principal = try context.require(.read)
        let page = try await store.uploads(organizationId: principal.organizationId, page: request.pageRequest())
        return ListResponse(items: page.items.map(UploadResponse.init), nextCursor: page.nextCursor)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let upload = try await find(context.parameters.get("id", as: UploadID.self), principal)
        guard principal.role == .admin || upload.ownerId == principal.userId else {
            throw Problem(status: .forbidden, detail: "only an admin or the uploader may delete an upload")
        }
        if let deletion = try await store.deleteUpload(id: upload.id, organizationId: principal.organizationId) {
            if deletion.blobUnreferenced { try await blobs.delete(deletion.blobKey) }
            // Its words go with it; most uploads never had any.
            try? await blobs.delete(Transcript.blobKey(for: upload.id))
        }
        return Response(status: .noContent)
    }

    /// The body as it is without a storage quota; with one, holding room as it streams
    /// (`ReservingBody`) from its declared length on.
    private func reserving(
        _ body: RequestBody, for id: UploadID, organization: OrganizationID, limit: Int64?,
        declared: Int64?
    ) async throws -> ReservingBody<RequestBody> {
        let reservationID = StorageReservation.uploadID(id)
        let expires = clock.now().addingTimeInterval(Self.reservationLifetime)
        let reserve: @Sendable (Int64) async throws -> Bool = { [store] total in
            try await store.reserveStorage(
                StorageReservation(id: reservationID, organizationId: organization, bytes: total, expiresAt: expires),
                limit: limit)
        }
        var initial = Int64.max
        if limit != nil {
            initial = declared ?? 0
            if initial > 0, !(try await reserve(initial)) { throw QuotaPolicy.storageFull() }
        }
        return ReservingBody(
            base: body, step: 8 << 20, initial: initial, reserve: reserve, refusal: { QuotaPolicy.storageFull() })
    }

    /// An upload that outlives this (its server killed mid-way) stops holding room then.
    static var reservationLifetime: TimeInterval { 24 * 3600 }

    private func find(_ id: UploadID?, _ principal: Principal) async throws -> Upload {
        guard let id, let upload = try await store.upload(id: id, organizationId: principal.organizationId) else {
            throw Problem.notFound("upload")
        }
        return upload
    }

    /// What a browser's player needs to hear; FFmpeg, not this, decides what the file really is.
    static func contentType(of filename: String) -> String {
        switch (filename as NSString).pathExtension.lowercased() {
        case "mp4", "m4v", "mov": "video/mp4"
        case "webm", "mkv": "video/webm"
        case "m4a": "audio/mp4"
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        default: "application/octet-stream"
        }
    }

    /// Keeps a client's filename printable and short; it is only ever shown, never used as a path.
    static func sanitize(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? ""
        let cleaned = String(
            base.unicodeScalars.filter { !$0.properties.isWhitespace || $0 == " " }
                .filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init)
        ).prefix(200)
        return cleaned.isEmpty ? "upload" : String(cleaned)
    }
}

extension Request {
    func pageRequest() throws -> PageRequest {
        let limit = uri.queryParameters["limit"].map { Int(String($0)) } ?? 20
        guard let limit, limit > 0 else {
            throw Problem(status: .badRequest, detail: "limit must be a positive number")
        }
        return PageRequest(limit: limit, cursor: uri.queryParameters["cursor"].map(String.init))
    }
}
