import ClipGenCore
import Foundation

extension BlobStore {
    /// Where an organisation's preset is kept, beside its brand kit: `presets/{organisation}/{name}.json`.
    static func presetKey(_ name: String, for organization: OrganizationID) throws -> BlobKey {
        try BlobKey("presets/\(organization)/\(name).json")
    }

    /// The stored preset (its JSON as saved); nil when the organisation has none of that name.
    public func preset(named name: String, for organization: OrganizationID) async throws -> Data? {
        guard JobPreset.isValidName(name) else { return nil }
        do {
            return try await contents(of: Self.presetKey(name, for: organization))
        } catch BlobError.notFound {
            return nil
        }
    }

    /// The names of the organisation's presets, sorted.
    public func presetNames(for organization: OrganizationID) async throws -> [String] {
        let prefix = "presets/\(organization)/"
        return try await keys(startingWith: prefix).compactMap { key in
            let name = key.rawValue.dropFirst(prefix.count)
            return name.hasSuffix(".json") && !name.contains("/") ? String(name.dropLast(".json".count)) : nil
        }
    }

    public func savePreset(_ data: Data, named name: String, for organization: OrganizationID) async throws {
        try await put(data, as: try Self.presetKey(name, for: organization), limit: 1 << 20)
    }

    /// Whether there was one to remove.
    public func deletePreset(named name: String, for organization: OrganizationID) async throws -> Bool {
        guard JobPreset.isValidName(name), try await size(of: Self.presetKey(name, for: organization)) != nil
        else { return false }
        try await delete(try Self.presetKey(name, for: organization))
        return true
    }
}
