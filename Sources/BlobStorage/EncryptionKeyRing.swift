import ClipGenCore
import Crypto
import Foundation

/// AES-256 keys by id, from configuration (`CLIPGEN_ENCRYPTION_KEYS=id:base64,…`): new blobs are
/// sealed with the active key; blobs sealed with any key of the ring stay readable, so a new key
/// can be introduced and the old one retired once `clipgen admin rotate-keys` has run.
public struct EncryptionKeyRing: Sendable {
    public let activeID: String
    let keys: [String: SymmetricKey]

    public var ids: [String] { keys.keys.sorted() }

    /// Throws with the entry to fix: ids are 1 to 32 letters, digits, `-` or `_`; keys are 32
    /// bytes in base64; the active id must be in the ring.
    public init(entries text: String, activeID: String?) throws {
        var keys: [String: SymmetricKey] = [:]
        var order: [String] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, (1...32).contains(parts[0].utf8.count),
                parts[0].unicodeScalars.allSatisfy({
                    $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                })
            else {
                throw ConfigurationProblem.invalid(
                    key: "CLIPGEN_ENCRYPTION_KEYS",
                    reason: "each entry is id:base64-key with an id of 1 to 32 letters, digits, - or _")
            }
            guard let data = Data(base64Encoded: parts[1]), data.count == 32 else {
                throw ConfigurationProblem.invalid(
                    key: "CLIPGEN_ENCRYPTION_KEYS",
                    reason: "key '\(parts[0])' is not 32 bytes in base64 (openssl rand -base64 32)")
            }
            keys[parts[0]] = SymmetricKey(data: data)
            order.append(parts[0])
        }
        guard let active = activeID ?? order.first, keys[active] != nil else {
            throw ConfigurationProblem.invalid(
                key: "CLIPGEN_ENCRYPTION_KEY_ID", reason: "must name a key of CLIPGEN_ENCRYPTION_KEYS")
        }
        self.keys = keys
        self.activeID = active
    }

    func key(_ id: String) -> SymmetricKey? { keys[id] }

    public static let configurationKeys = [
        ConfigurationKey("encryptionKeys", "seal stored media with AES-256-GCM: id:base64-32-byte-key,… (off)"),
        ConfigurationKey("encryptionKeyId", "the key new blobs are sealed with (the first of encryptionKeys)"),
    ]

    /// nil when encryption is off (no keys configured).
    public init?(reading values: some ConfigurationValues) throws {
        guard let entries = values.string("encryptionKeys") else {
            if values.string("encryptionKeyId") != nil {
                throw ConfigurationProblem.invalid(
                    key: "CLIPGEN_ENCRYPTION_KEY_ID", reason: "names a key, but CLIPGEN_ENCRYPTION_KEYS is not set")
            }
            return nil
        }
        try self.init(entries: entries, activeID: values.string("encryptionKeyId"))
    }
}
