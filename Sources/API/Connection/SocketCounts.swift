import Synchronization

/// Event sockets open in this process, per user or API key: each may hold `limit`, so one
/// caller cannot take the connections (a user opened 200 in a third of a second).
final class SocketCounts: Sendable {
    let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    func count(for principal: Principal) -> Int { counts.withLock { $0[Self.key(principal)] ?? 0 } }

    func opened(_ principal: Principal) { counts.withLock { $0[Self.key(principal), default: 0] += 1 } }

    func closed(_ principal: Principal) {
        counts.withLock { counts in
            let key = Self.key(principal)
            let left = counts[key, default: 1] - 1
            counts[key] = left > 0 ? left : nil
        }
    }

    static func key(_ principal: Principal) -> String { principal.apiKeyId.map { "key:" + $0 } ?? "user:\(principal.userId)" }
}
