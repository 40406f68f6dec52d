import Synchronization

/// How many connections the server holds, in all and per client address (an IPv6 client per
/// /64): past either cap a new connection is answered 503 and closed at once, so one address
/// cannot take every descriptor and a full server still says why. Peers in `exempt` (the load
/// balancers, which carry many clients each) count only in the total.
final class ConnectionLimits: Sendable {
    let total: Int
    let perAddress: Int
    let exempt: @Sendable (String) -> Bool
    private let counts = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    enum Admission: Equatable {
        /// Admitted; `release` with this key (nil: counted in the total only) when it closes.
        case admitted(key: String?)
        case refused(reason: String)
    }

    init(total: Int, perAddress: Int, exempt: @escaping @Sendable (String) -> Bool) {
        self.total = max(1, total)
        self.perAddress = max(1, perAddress)
        self.exempt = exempt
    }

    func admit(address: String?) -> Admission {
        let key = address.flatMap { exempt($0) ? nil : ClientAddress.limitKey($0) }
        return counts.withLock { counts in
            guard counts.total < total else {
                return .refused(reason: "the server is at its connection limit; try again shortly")
            }
            if let key {
                guard counts.byAddress[key, default: 0] < perAddress else {
                    return .refused(reason: "too many connections from your address; close some and try again")
                }
                counts.byAddress[key, default: 0] += 1
            }
            counts.total += 1
            return .admitted(key: key)
        }
    }

    func release(key: String?) {
        counts.withLock { counts in
            counts.total -= 1
            if let key {
                let left = counts.byAddress[key, default: 1] - 1
                counts.byAddress[key] = left > 0 ? left : nil
            }
        }
    }

    /// Connections held now, in all and for `address`.
    func held(address: String? = nil) -> (total: Int, address: Int) {
        let key = address.map(ClientAddress.limitKey)
        return counts.withLock { counts in (counts.total, key.map { counts.byAddress[$0] ?? 0 } ?? 0) }
    }
}
