import ClipGenCore
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt at the configured cost, off the cooperative pool and through `HashingGate`, so
/// sign-ins from clients without accounts cannot take every core from the media work.
public struct PasswordHasher: Sendable {
    public let cost: Int
    let gate: HashingGate
    /// Hashes of nothing anyone knows, one per cost: unknown emails are checked against the one
    /// at the cost most stored hashes have, so they take as long as known ones.
    private let dummies = Dummies()

    private final class Dummies: Sendable {
        let hashes = Mutex<[Int: String]>([:])
        /// The typical stored cost and when it was read: the store is asked at most once a minute.
        let typical = Mutex<(cost: Int, readAt: ContinuousClock.Instant)?>(nil)
    }

    public init(cost: Int, gate: HashingGate = HashingGate()) {
        self.cost = min(max(cost, 4), 31)
        self.gate = gate
    }

    /// `caller` (`address:…`, `user:…`) is held to the gate's per-caller limit.
    public func hash(_ password: String, for caller: String? = nil) async throws -> String {
        try await gate.run(for: caller) { try await Self.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String, for caller: String? = nil) async throws -> Bool {
        try await gate.run(for: caller) { try await Self.verify(password, hash: hash) }
    }

    /// Spends what checking a real account would, and is never true. `storedCosts` counts the
    /// stored hashes by cost (`AccountStore.passwordHashCosts`): after the operator changes the
    /// cost, most accounts keep their old one until they sign in, and an unknown email checked
    /// at the new cost would stand out by its time.
    public func verifyUnknownAccount(
        _ password: String, storedCosts: @Sendable () async throws -> [Int: Int], for caller: String? = nil
    ) async throws {
        let cost = try await typicalCost(storedCosts)
        let hash: String
        if let made = dummies.hashes.withLock({ $0[cost] }) {
            hash = made
        } else {
            var generator = SystemRandomNumberGenerator()
            let secret = String(
                (0..<32).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &generator))) })
            hash = try await gate.run(for: caller) { try await Self.hash(secret, cost: cost) }
            dummies.hashes.withLock { $0[cost] = hash }
        }
        _ = try await verify(password, hash: hash, for: caller)
    }

    private func typicalCost(_ storedCosts: @Sendable () async throws -> [Int: Int]) async throws -> Int {
        let now = ContinuousClock.now
        if let known = dummies.typical.withLock({ $0 }), now - known.readAt < .seconds(60) { return known.cost }
        let costs = try await storedCosts()
        // Ties go to the configured cost, where every hash ends up.
        let typical = costs.max { ($0.value, $0.key == cost ? 1 : 0) < ($1.value, $1.key == cost ? 1 : 0) }?.key ?? cost
        let bounded = min(max(typical, 4), 31)
        dummies.typical.withLock { $0 = (bounded, now) }
        return bounded
    }

    /// The costs dummy hashes were made at so far.
    var dummyCosts: Set<Int> { Set(dummies.hashes.withLock { $0.keys }) }

    /// True when `hash` was made at another cost than the configured one: rehashed at sign-in,
    /// when the password is at hand.
    public func needsRehash(_ hash: String) -> Bool {
        let parts = hash.split(separator: "$")
        guard parts.count >= 3, let made = Int(parts[1]) else { return true }
        return made != cost
    }

    public static func hash(_ password: String, cost: Int) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.hash(password, cost: UInt8(clamping: min(max(cost, 4), 31)))
        }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
