import BlobStorage
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// `GET`, `PUT` and `DELETE /v1/brand`: the organisation's brand kit, kept beside its files
/// (`brand/{organisation}.json`). Saving one resolves its uploads to their stored files and reads
/// the font's family name from its name table (refusing what is not one TTF or OTF font); FFmpeg
/// reads the logo, intro and outro only in a worker, when a job uses them, and one it cannot
/// read fails that job with a message that names it.
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
        var font: Font?
        var intro: Bookend?
        var outro: Bookend?
        struct Logo: Encodable {
            var uploadId: UploadID
            var position: BrandKit.Corner
            var opacity: Double
            var size: Double
        }
        struct Font: Encodable {
            var uploadId: UploadID
            var family: String?
        }
        struct Bookend: Encodable {
            var uploadId: UploadID
        }

        init(_ kit: BrandKit) {
            logo = kit.logo.map {
                Logo(uploadId: $0.uploadId, position: $0.position, opacity: $0.opacity, size: $0.size)
            }
            font = kit.font.map { Font(uploadId: $0.uploadId, family: $0.family) }
            intro = kit.intro.map { Bookend(uploadId: $0.uploadId) }
            outro = kit.outro.map { Bookend(uploadId: $0.uploadId) }
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
        let organization = principal.organizationId
        let find = { (id: UploadID, field: String) async throws -> Upload? in
            guard let upload = try await store.upload(id: id, organizationId: organization) else {
                errors.append(.init(field: field + ".uploadId", message: "no upload with this id"))
                return nil
            }
            return upload
        }
        if let logo = kit.logo {
            kit.logo?.blobKey = try await find(logo.uploadId, "logo")?.blobKey
        }
        if let font = kit.font, let upload = try await find(font.uploadId, "font") {
            do {
                try FontFile.check(size: upload.size)
                kit.font?.family = try FontFile.family(of: try await blobs.contents(of: upload.blobKey))
                kit.font?.blobKey = upload.blobKey
            } catch let invalid as FontFile.Invalid {
                errors.append(.init(field: "font.uploadId", message: invalid.description))
            }
        }
        if let intro = kit.intro {
            kit.intro?.blobKey = try await find(intro.uploadId, "intro")?.blobKey
        }
        if let outro = kit.outro {
            kit.outro?.blobKey = try await find(outro.uploadId, "outro")?.blobKey
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
