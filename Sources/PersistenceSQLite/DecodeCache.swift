import Synchronization

/// Decoded JSON columns by their text. A job's request, summary, storyboard and highlights never
/// change once written, and decoding them was a large part of every job read; equal text
/// decodes to an equal value, so the text is the key. Bounded: emptied when full.
final class DecodeCache<Value: Decodable & Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    func decode(_ text: String) throws -> Value {
        if let hit = values.withLock({ $0[text] }) { return hit }
        let value = try JSONCoding.decode(Value.self, text)
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[text] = value
        }
        return value
    }
}
