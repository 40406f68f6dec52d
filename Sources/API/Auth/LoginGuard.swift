import ClipGenCore
import Crypto
import Foundation

/// Slows and then refuses sign-ins after repeated failures, per account and per client
/// address, counted in `SharedCounters` (Redis across replicas). A locked account stays locked
/// for the rest of the window even for the right password: that is what stops guessing.
public struct LoginGuard: Sendable {
    public struct Policy: Sendable {
        /// Failures of one account within `window` after which each attempt waits a second more.
        public var slowAfter = 3
        /// Failures of one account within `window` after which it is refused (429).
        public var lockAfter = 10
        /// Failures from one address within `window` after which it is refused (429).
        public var addressLockAfter = 50
        public var window: Duration = .seconds(15 * 60)
        /// The longest an attempt is slowed.
        public var maxDelay: Duration = .seconds(5)
        public init() {}
    }

    public enum Verdict: Equatable, Sendable {
        case allowed(delay: Duration)
        case locked(reason: String)
    }

    let counters: any SharedCounters
    public let policy: Policy

    public init(counters: any SharedCounters, policy: Policy = Policy()) {
        self.counters = counters
        self.policy = policy
    }

    /// Reads the counts without adding to them.
    public func verdict(email: String, address: String?) async throws -> Verdict {
        let account = try await counters.increment(Self.accountKey(email), by: 0, window: policy.window)
        if account >= Int64(policy.lockAfter) { return .locked(reason: "too many failed sign-ins for this account") }
        if let address, try await counters.increment(Self.addressKey(address), by: 0, window: policy.window) >= Int64(policy.addressLockAfter) {
            return .locked(reason: "too many failed sign-ins from this address")
        }
        let excess = account - Int64(policy.slowAfter) + 1
        return .allowed(delay: excess > 0 ? min(.seconds(excess), policy.maxDelay) : .zero)
    }

    public func recordFailure(email: String, address: String?) async throws {
        _ = try await counters.increment(Self.accountKey(email), by: 1, window: policy.window)
        if let address { _ = try await counters.increment(Self.addressKey(address), by: 1, window: policy.window) }
    }

    /// Emails are hashed so the shared counters (Redis) hold no addresses.
    static func accountKey(_ email: String) -> String {
        "login:account:" + SHA256.hash(data: Data(email.lowercased().utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func addressKey(_ address: String) -> String { "login:address:" + address }
}
