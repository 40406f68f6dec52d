import ClipGenCore
import Foundation

/// Job events written in the same transaction as the change that caused them, waiting to be
/// published. Claiming hands each event to one caller only, so a terminal status is delivered
/// once however many processes relay.
public protocol EventOutbox: Sendable {
    /// Up to `limit` undelivered events, oldest first, marked delivered as they are returned.
    func claimEvents(limit: Int) async throws -> [JobEvent]
    /// Forgets delivered events older than `date`.
    func pruneEvents(deliveredBefore date: Date) async throws
}
