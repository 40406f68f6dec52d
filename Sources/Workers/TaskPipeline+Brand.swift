import BlobStorage
import ClipGenCore
import Foundation
import MediaEngine

/// The organisation's brand kit as a render needs it: its files copied into the task's scratch
/// space, the intro and outro probed (they are users' files like any source).
struct BrandAssets: Sendable {
    var logo: LogoOverlay?
    var font: CaptionFont?
    var bookends: Bookends?

    func apply(to plan: inout CutPlan) {
        plan.logo = logo
        plan.captionFont = font
        plan.bookends = bookends
    }
}

extension TaskPipeline {
    /// `bookends: false` leaves out the intro and outro (neither downloaded nor probed).
    func brandAssets(of job: Job, scratch: String, bookends: Bool = true) async throws -> BrandAssets {
        guard let kit = try await blobs.brandKit(for: job.organizationId) else {
            throw JobError(code: .sourceMissing, message: "the organisation's brand kit is gone; PUT /v1/brand again")
        }
        var assets = BrandAssets()
        if let logo = kit.logo {
            let path = try await brandFile(logo.blobKey, "logo", to: scratch + "/brand-logo")
            assets.logo = LogoOverlay(path: path, position: logo.position, opacity: logo.opacity, size: logo.size)
        }
        if let font = kit.font, let family = font.family {
            // A directory of its own: libass loads every font in `fontsdir`.
            let directory = scratch + "/brand-fonts"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = try await brandFile(font.blobKey, "font", to: directory + "/brand.font")
            assets.font = CaptionFont(family: family, directory: directory)
        }
        guard bookends else { return assets }
        let intro = try await bookend(kit.intro, "intro", scratch: scratch)
        let outro = try await bookend(kit.outro, "outro", scratch: scratch)
        if intro != nil || outro != nil { assets.bookends = Bookends(intro: intro, outro: outro) }
        return assets
    }

    private func bookend(_ bookend: BrandKit.Bookend?, _ name: String, scratch: String) async throws -> Bookends.Part? {
        guard let bookend else { return nil }
        let path = try await brandFile(bookend.blobKey, name, to: scratch + "/brand-" + name)
        do {
            return try await Bookends.Part(probing: path, with: prober)
        } catch let error as MediaError {
            throw JobError(
                code: error.code, message: "the brand kit's \(name) could not be read as a video: \(error.message)")
        }
    }

    private func brandFile(_ key: BlobKey?, _ name: String, to path: String) async throws -> String {
        let gone = JobError(
            code: .sourceMissing, message: "the brand kit's \(name) upload was deleted; PUT /v1/brand with another")
        guard let key else { throw gone }
        do {
            try await blobs.download(key, to: path)
        } catch BlobError.notFound {
            throw gone
        }
        return path
    }
}
