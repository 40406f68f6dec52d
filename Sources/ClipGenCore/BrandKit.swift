import Foundation

/// An organisation's brand (`PUT /v1/brand`), applied to the clips of a job that asks for
/// `"brand": true`: its logo laid over every picture in a corner, its font for the captions, and
/// its intro and outro joined before and after each video clip.
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

    /// A TrueType or OpenType font (an upload) that burned-in captions are set in.
    public struct Font: Codable, Sendable, Equatable {
        public var uploadId: UploadID
        /// The family name read from the font's name table; set by the server when the kit is saved.
        public var family: String?
        public var blobKey: BlobKey?

        public init(uploadId: UploadID, family: String? = nil, blobKey: BlobKey? = nil) {
            self.uploadId = uploadId
            self.family = family
            self.blobKey = blobKey
        }
    }

    /// A short video (an upload) joined before (intro) or after (outro) every video clip, scaled
    /// and padded to the clip's picture.
    public struct Bookend: Codable, Sendable, Equatable {
        public var uploadId: UploadID
        public var blobKey: BlobKey?

        public init(uploadId: UploadID, blobKey: BlobKey? = nil) {
            self.uploadId = uploadId
            self.blobKey = blobKey
        }
    }

    /// The longest intro or outro, seconds: a brand's sting, not a second programme.
    public static let longestBookend = 30.0

    public var logo: Logo?
    public var font: Font?
    public var intro: Bookend?
    public var outro: Bookend?

    public init(logo: Logo? = nil, font: Font? = nil, intro: Bookend? = nil, outro: Bookend? = nil) {
        self.logo = logo
        self.font = font
        self.intro = intro
        self.outro = outro
    }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if logo == nil && font == nil && intro == nil && outro == nil {
            errors.append(.init(field: "logo", message: "a brand kit needs a logo, a font, an intro or an outro"))
        }
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
