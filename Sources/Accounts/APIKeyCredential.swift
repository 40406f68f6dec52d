import ClipGenCore
import Crypto
import Foundation

/// The text of an API key, `cgk_<id>_<64 hex digits>`: the id finds the row, the secret is
/// compared by its SHA-256 (a fast hash is enough for 256 random bits), and the prefix lets
/// secret scanners and the auth middleware tell keys from JWTs.
public struct APIKeyCredential: Equatable {
    public static let prefix = "cgk_"
    public var id: APIKeyID
    public var secret: String

    /// A new key: the text to show once, and the credential it parses back to.
    public static func make() -> (text: String, credential: APIKeyCredential) {
        let secret = Secrets.hex(bytes: 32)
        let credential = APIKeyCredential(id: .make(), secret: secret)
        return (prefix + credential.id.rawValue + "_" + secret, credential)
    }

    /// nil for anything that is not shaped like one of our keys.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let parts = text.dropFirst(Self.prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = APIKeyID(String(parts[0])), parts[1].utf8.count == 64,
            parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.init(id: id, secret: String(parts[1]))
    }

    public init(id: APIKeyID, secret: String) {
        self.id = id
        self.secret = secret
    }

    public var secretHash: String { Self.hash(secret) }

    public static func hash(_ secret: String) -> String {
        Hex.string(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Whether `stored` (a key's `secretHash`) is this secret's, compared in constant time.
    public func matches(_ stored: String) -> Bool {
        Array(secretHash.utf8).constantTimeEquals(Array(stored.utf8))
    }
}
