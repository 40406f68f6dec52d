import ClipGenCore
import Foundation

extension BlobStore {
    /// The organisation's saved brand kit (`brand/{organisation}.json`); nil when it has none.
    public func brandKit(for organization: OrganizationID) async throws -> BrandKit? {
        do {
            return try JSONDecoder().decode(
                BrandKit.self, from: try await contents(of: BrandKit.blobKey(for: organization)))
        } catch BlobError.notFound {
            return nil
        }
    }

    /// Saves the organisation's brand kit, replacing any before it.
    public func saveBrandKit(_ kit: BrandKit, for organization: OrganizationID) async throws {
        try await put(try JSONEncoder().encode(kit), as: try BrandKit.blobKey(for: organization), limit: 1 << 20)
    }
}
