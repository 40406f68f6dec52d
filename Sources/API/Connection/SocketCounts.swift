import Synchronization

/// Event sockets open in this process, per user or API key: each may hold `limit`, so one
/// caller cannot take the connections (a user opened 200 in a third of a second).
///
/// A slot is reserved when an upgrade is accepted, before the 101 goes out, because the socket
/// itself starts later: counting only started sockets let upgrades sent at once all pass the
/// check. A reservation whose socket never starts (the client went away after the 101) lapses
/// after `reservationLifetime`.
final class SocketCounts: Sendable {
    let limit: Int
    let reservationLifetime: Duration
    private let slots = Mutex<[String: Slots]>([:])

    private struct Slots {
        var open = 0
        /// When each reservation lapses, oldest first.
        var reserved: [ContinuousClock.Instant] = []
        var isEmpty: Bool { open == 0 && reserved.isEmpty }
    }

    init(limit: Int, reservationLifetime: Duration = .seconds(30)) {
        self.limit = max(1, limit)
        self.reservationLifetime = reservationLifetime
    }

    /// A slot for a socket about to start; false when the caller holds `limit` already.
    func reserve(_ principal: Principal, now: ContinuousClock.Instant = .now) -> Bool {
        slots.withLock { slots in
            let key = Self.key(principal)
            var held = slots[key, default: Slots()]
            held.reserved.removeAll { $0 <= now }
            guard held.open + held.reserved.count < limit else {
                slots[key] = held.isEmpty ? nil : held
                return false
            }
            held.reserved.append(now + reservationLifetime)
            slots[key] = held
            return true
        }
    }

    /// The socket started: its reservation (if it has not lapsed) becomes an open slot.
    func opened(_ principal: Principal) {
        slots.withLock { slots in
            let key = Self.key(principal)
            var held = slots[key, default: Slots()]
            if !held.reserved.isEmpty { held.reserved.removeFirst() }
            held.open += 1
            slots[key] = held
        }
    }

    func closed(_ principal: Principal) {
        slots.withLock { slots in
            let key = Self.key(principal)
            guard var held = slots[key] else { return }
            held.open = max(0, held.open - 1)
            slots[key] = held.isEmpty ? nil : held
        }
    }

    static func key(_ principal: Principal) -> String {
        principal.apiKeyId.map { "key:" + $0 } ?? "user:\(principal.userId)"
    }
}
