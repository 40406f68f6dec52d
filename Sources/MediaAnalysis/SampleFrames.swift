/// Float PCM arriving in chunks of any size, handed over as whole sample frames (a value per
/// channel), a partial frame kept for the next chunk.
struct SampleFrames {
    let frameBytes: Int
    private var pending: [UInt8] = []

    init(channels: Int) { frameBytes = 4 * channels }

    mutating func append(_ chunk: UnsafeRawBufferPointer, _ each: (UnsafeBufferPointer<Float>) -> Void) {
        pending.append(contentsOf: chunk)
        let whole = pending.count / frameBytes * frameBytes
        guard whole > 0 else { return }
        pending.withUnsafeBytes { bytes in
            each(UnsafeRawBufferPointer(rebasing: bytes[0..<whole]).bindMemory(to: Float.self))
        }
        pending.removeFirst(whole)
    }
}
