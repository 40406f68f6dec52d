import ClipGenCore
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt at the configured cost, off the cooperative pool and through `HashingGate`, so
/// sign-ins from clients without accounts cannot take every core from the media work.
public struct PasswordHasher: Sendable {
    public let cost: Int
    let gate: HashingGate
    /// A hash at `cost` of nothing anyone knows: unknown emails are checked against it, so they
    /// take as long as known ones whatever cost their hashes were made at.
    private let dummy = DummyHash()

    private final class DummyHash: Sendable {
        let hash = Mutex<String?>(nil)
    }

    public init(cost: Int, gate: HashingGate = HashingGate()) {
        self.cost = min(max(cost, 4), 31)
        self.gate = gate
    }

    public func hash(_ password: String) async throws -> String {
        try await gate.run { try await Self.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await gate.run { try await Self.verify(password, hash: hash) }
    }

    /// Spends what checking a real account would, and is never true.
    public func verifyUnknownAccount(_ password: String) async throws {
        let hash: String
        if let made = dummy.hash.withLock({ $0 }) {
            hash = made
        } else {
            var generator = SystemRandomNumberGenerator()
            hash = try await self.hash(String((0..<32).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &generator))) }))
            dummy.hash.withLock { $0 = hash }
        }
        _ = try await verify(password, hash: hash)
    }

    /// True when `hash` was made at another cost than the configured one: rehashed at sign-in,
    /// when the password is at hand.
    public func needsRehash(_ hash: String) -> Bool {
        let parts = hash.split(separator: "$")
        guard parts.count >= 3, let made = Int(parts[1]) else { return true }
        return made != cost
    }

    public static func hash(_ password: String, cost: Int) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: UInt8(clamping: min(max(cost, 4), 31))) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
