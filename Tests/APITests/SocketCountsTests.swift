import ClipGenCore
import Testing

@testable import API

@Suite struct SocketCountsTests {
    let user = Principal(
        userId: UserID(rawValue: "u1"), organizationId: OrganizationID(rawValue: "o1"), email: "a@example.com",
        role: .user)

    /// Upgrades accepted at once are counted before any socket starts: the third of three is refused.
    @Test func upgradesAcceptedTogetherCannotPassTheCap() {
        let counts = SocketCounts(limit: 2)
        let now = ContinuousClock.now
        #expect(counts.reserve(user, now: now))
        #expect(counts.reserve(user, now: now))
        #expect(!counts.reserve(user, now: now))
        var key = user
        key.apiKeyId = "k1"
        #expect(counts.reserve(key, now: now), "an API key has slots of its own")
    }

    @Test func aStartedSocketHoldsItsSlotUntilItCloses() {
        let counts = SocketCounts(limit: 1, reservationLifetime: .seconds(30))
        let now = ContinuousClock.now
        #expect(counts.reserve(user, now: now))
        counts.opened(user)
        #expect(!counts.reserve(user, now: now + .seconds(60)), "an open socket does not lapse")
        counts.closed(user)
        #expect(counts.reserve(user, now: now + .seconds(60)))
    }

    @Test func aReservationWhoseSocketNeverStartsLapses() {
        let counts = SocketCounts(limit: 1, reservationLifetime: .seconds(30))
        let now = ContinuousClock.now
        #expect(counts.reserve(user, now: now))
        #expect(!counts.reserve(user, now: now + .seconds(29)))
        #expect(counts.reserve(user, now: now + .seconds(31)))
    }
}
