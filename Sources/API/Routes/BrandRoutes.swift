import BlobStorage
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// `GET`, `PUT` and `DELETE /v1/brand`: the organisation's brand kit, kept beside its files
/// (`brand/{organisation}.json`). Saving one resolves its uploads to their stored files; FFmpeg
/// reads the logo only when a job lays it over a clip, and a logo it cannot read fails that job.
struct BrandRoutes<Store: JobRepository, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("brand", use: show)
        router.put("brand", use: save)
        router.delete("brand", use: remove)
    }

    struct BrandResponse: ResponseEncodable {
        var logo: Logo?
        struct Logo: Encodable {
            var uploadId: UploadID
            var position: BrandKit.Corner
            var opacity: Double
            var size: Double
        }

        init(_ kit: BrandKit) {
            logo = kit.logo.map {
                Logo(uploadId: $0.uploadId, position: $0.position, opacity: $0.opacity, size: $0.size)
            }
        }
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> BrandResponse {
        let principal = try context.require(.read)
        guard let kit = try await blobs.brandKit(for: principal.organizationId) else {
            throw Problem(status: .notFound, detail: "this organisation has no brand kit; PUT /v1/brand makes one")
        }
        return BrandResponse(kit)
    }

    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> BrandResponse {
        let principal = try context.require(.manage)
        var kit = try await request.decodeJSON(as: BrandKit.self, context: context)
        var errors = kit.validate()
        if var logo = kit.logo {
            if let upload = try await store.upload(id: logo.uploadId, organizationId: principal.organizationId) {
                logo.blobKey = upload.blobKey
                kit.logo = logo
            } else {
                errors.append(.init(field: "logo.uploadId", message: "no upload with this id"))
            }
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        try await blobs.saveBrandKit(kit, for: principal.organizationId)
        context.logger.notice("brand kit saved")
        return BrandResponse(kit)
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.require(.manage)
        try await blobs.delete(try BrandKit.blobKey(for: principal.organizationId))
        return .noContent
    }
}
