import NIOCore

/// A request body that holds room in its organisation's storage ahead of the bytes it passes
/// on: `reserve(total)` grows one reservation to `total` as they arrive, a step at a time, and a
/// refusal ends the body with `refusal`. Concurrent uploads each hold what they have received, so
/// together they cannot store more than the room there was.
struct ReservingBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    /// How far ahead of the received bytes each reservation reaches.
    let step: Int64
    /// Bytes already reserved before the body started (its declared length).
    let initial: Int64
    let reserve: @Sendable (_ total: Int64) async throws -> Bool
    let refusal: @Sendable () -> any Error

    func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), step: step, reserved: initial, reserve: reserve, refusal: refusal)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let step: Int64
        var reserved: Int64
        let reserve: @Sendable (Int64) async throws -> Bool
        let refusal: @Sendable () -> any Error
        var received: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            received += Int64(chunk.readableBytes)
            if received > reserved {
                // A step ahead when there is room for it, else exactly what arrived.
                if try await reserve(received + step) {
                    reserved = received + step
                } else if try await reserve(received) {
                    reserved = received
                } else {
                    throw refusal()
                }
            }
            return chunk
        }
    }
}
