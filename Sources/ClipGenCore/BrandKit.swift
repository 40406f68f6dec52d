import Foundation

/// An organisation's brand (`PUT /v1/brand`), applied to the clips of a job that asks for
/// `"brand": true`: for now its logo, laid over every picture in a corner.
public struct BrandKit: Codable, Sendable, Equatable {
    public enum Corner: String, Codable, Sendable, CaseIterable {
        case topLeft = "top-left"
        case topRight = "top-right"
        case bottomLeft = "bottom-left"
        case bottomRight = "bottom-right"
    }

    public struct Logo: Codable, Sendable, Equatable {
        /// An upload of the organisation's: a still picture (PNG with transparency, JPEG, WebP).
        public var uploadId: UploadID
        public var position: Corner
        /// 0 (invisible) to 1 (opaque).
        public var opacity: Double
        /// The logo's width as a share of the clip's, 0.02 to 0.5.
        public var size: Double
        /// Where the upload's file is stored; set by the server when the kit is saved.
        public var blobKey: BlobKey?

        public init(
            uploadId: UploadID, position: Corner = .topRight, opacity: Double = 0.8, size: Double = 0.15,
            blobKey: BlobKey? = nil
        ) {
            self.uploadId = uploadId
            self.position = position
            self.opacity = opacity
            self.size = size
            self.blobKey = blobKey
        }

        enum CodingKeys: String, CodingKey { case uploadId, position, opacity, size, blobKey }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                uploadId: try c.decode(UploadID.self, forKey: .uploadId),
                position: try c.decodeIfPresent(Corner.self, forKey: .position) ?? .topRight,
                opacity: try c.decodeIfPresent(Double.self, forKey: .opacity) ?? 0.8,
                size: try c.decodeIfPresent(Double.self, forKey: .size) ?? 0.15,
                blobKey: try c.decodeIfPresent(BlobKey.self, forKey: .blobKey))
        }
    }

    public var logo: Logo?

    public init(logo: Logo? = nil) { self.logo = logo }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if logo == nil { errors.append(.init(field: "logo", message: "a brand kit needs a logo")) }
        if let logo {
            if !(logo.opacity >= 0 && logo.opacity <= 1) {
                errors.append(.init(field: "logo.opacity", message: "must be from 0 to 1"))
            }
            if !(logo.size >= 0.02 && logo.size <= 0.5) {
                errors.append(.init(field: "logo.size", message: "must be from 0.02 to 0.5 of the clip's width"))
            }
        }
        return errors
    }

    public static func blobKey(for organization: OrganizationID) throws -> BlobKey {
        try BlobKey("brand/\(organization).json")
    }
}
