import ClipGenCore
import Coordination
import Crypto
import Foundation

/// Slows and then refuses password guesses, counted in `SharedCounters` (Redis across replicas)
/// per account, per client address, and per account from one address. Each attempt is counted
/// *before* its password is checked (`begin`), so attempts made at once see each other and no
/// burst gets past the limit; a right password takes its count back (`succeeded`).
///
/// A lock stops guesses, not the account's owner: once an account has `lockAfter` failures,
/// addresses that failed at it are refused, but an address that has not failed at it may still
/// try (slowed by `maxDelay`, and counted against that address). So nobody without the password
/// can lock an admin out, and each extra guess costs an attacker an address of their own, which
/// `addressLockAfter` bounds across all accounts.
public struct LoginGuard: Sendable {
    public struct Policy: Sendable {
        /// Failures of one account within `window` after which each attempt waits a second more.
        public var slowAfter = 3
        /// Failures of one account within `window` after which addresses that failed at it are
        /// refused (429), and after which one address is refused for it in any case.
        public var lockAfter = 10
        /// Failures from one address within `window`, at any accounts, after which it is refused (429).
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

    /// Counts an attempt at `email` from the client whose address counts as `addressKey` (the
    /// edge's limit key: an IPv6 address by its /64; nil when unknown) and says whether its
    /// password may be checked. A refused attempt is not counted; an allowed one counts as a
    /// failure until `succeeded`.
    public func begin(email: String, addressKey: String?) async throws -> Verdict {
        let keys = Keys(email: email, addressKey: addressKey)
        let account = try await counters.increment(keys.account, by: 1, window: policy.window)
        let pair = try await counters.increment(keys.pair, by: 1, window: policy.window)
        let fromAddress = try await counters.increment(keys.address, by: 1, window: policy.window)
        let locked = Int64(policy.lockAfter)
        let reason: String? =
            if fromAddress > Int64(policy.addressLockAfter) {
                "too many failed sign-ins from this address"
            } else if pair > locked || (account > locked && pair > 1) {
                "too many failed sign-ins for this account"
            } else { nil }
        if let reason {
            try await take(back: keys)
            return .locked(reason: reason)
        }
        // The failures before this attempt decide its delay; an account past its limit (tried
        // from an address that had not failed at it) waits the longest.
        let failuresBefore = account - 1
        let excess = failuresBefore - Int64(policy.slowAfter) + 1
        let delay: Duration =
            account > locked ? policy.maxDelay : excess > 0 ? min(.seconds(excess), policy.maxDelay) : .zero
        return .allowed(delay: delay)
    }

    /// The password was right: the attempt no longer counts as a failure.
    public func succeeded(email: String, addressKey: String?) async throws {
        try await take(back: Keys(email: email, addressKey: addressKey))
    }

    private func take(back keys: Keys) async throws {
        for key in [keys.account, keys.pair, keys.address] {
            _ = try await counters.increment(key, by: -1, window: policy.window)
        }
    }

    struct Keys {
        var account: String
        var pair: String
        var address: String

        init(email: String, addressKey: String?) {
            // Emails are hashed so the shared counters (Redis) hold no addresses of people.
            let hashed = Hex.string(SHA256.hash(data: Data(email.lowercased().utf8)).prefix(16))
            let from = addressKey ?? "unknown"
            self.account = "login:account:" + hashed
            self.pair = "login:pair:" + hashed + ":" + from
            self.address = "login:address:" + from
        }
    }
}
