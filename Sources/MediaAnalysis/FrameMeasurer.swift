/// The half of the picture analysis that needs pixels: each small YUV 4:2:0 frame reduced to a
/// few numbers (`FrameFeature`), which `VideoAnalyzer` turns into cuts, fades, black and frozen
/// stretches. Splitting there lets a long source be measured in segments on several workers and
/// decided in one pass over the numbers, exactly as one worker would have decided it.
///
/// A feature leaves `flashFrames` frames after its frame arrives: whether a large change is a
/// flash depends on the frames after it.
final class FrameMeasurer {
    let width: Int
    let height: Int
    let settings: VideoAnalyzer.Settings
    var frameBytes: Int { lumaCount + 2 * chromaCount }
    private let lumaCount: Int
    private let chromaCount: Int

    /// The last `flashFrames + 2` frames, frame n at `n % capacity`.
    private var ring: [[UInt8]]
    /// The first frame this measurer sees (a segment's first), which has no frame before it here.
    private let firstFrame: Int
    private var nextFrame: Int
    private var nextToEmit: Int
    /// Features of frames that arrived but have not left, by frame.
    private var pending: [Int: FrameFeature] = [:]

    init(width: Int, height: Int, settings: VideoAnalyzer.Settings = .init(), firstFrame: Int = 0) {
        self.width = width
        self.height = height
        self.settings = settings
        self.firstFrame = firstFrame
        nextFrame = firstFrame
        nextToEmit = firstFrame
        lumaCount = width * height
        chromaCount = (width / 2) * (height / 2)
        ring = Array(
            repeating: [UInt8](repeating: 0, count: width * height + 2 * (width / 2) * (height / 2)),
            count: settings.flashFrames + 2)
    }

    /// One frame of exactly `frameBytes` bytes, frames in presentation order; `emit` gets every
    /// feature that is complete, in frame order.
    func consume(_ frame: UnsafeRawBufferPointer, emit: (FrameFeature, Int) -> Void) {
        let n = nextFrame
        ring[n % ring.count].withUnsafeMutableBytes {
            $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[0..<frameBytes]))
        }
        nextFrame += 1
        var feature = ring[n % ring.count].withUnsafeBufferPointer { measure($0) }
        if n > firstFrame {
            let (change, luma) = difference(n, n - 1)
            feature.change = change
            feature.lumaChange = luma
        }
        pending[n] = feature
        while nextToEmit + settings.flashFrames < nextFrame { emitNext(emit) }
    }

    /// The features still held, the last ones with as many frames after them as there were.
    func finish(emit: (FrameFeature, Int) -> Void) {
        while nextToEmit < nextFrame { emitNext(emit) }
    }

    /// How a large change evolves: the change from the frame before `n` to each of the next
    /// `flashFrames` frames (fewer at the end). Only asked for where a cut is possible.
    private func emitNext(_ emit: (FrameFeature, Int) -> Void) {
        let n = nextToEmit
        nextToEmit += 1
        guard var feature = pending.removeValue(forKey: n) else { return }
        if let change = feature.change, change >= settings.minimumChange {
            let limit = min(settings.flashFrames, nextFrame - 1 - n)
            if limit >= 1 { feature.returns = (1...limit).map { difference(n + $0, n - 1).0 } }
        }
        emit(feature, n)
    }

    private func measure(_ frame: UnsafeBufferPointer<UInt8>) -> FrameFeature {
        let w = width
        let h = height
        var sum = 0
        var dark = 0
        let threshold = settings.blackLuma
        for i in 0..<lumaCount {
            let v = frame[i]
            sum &+= Int(v)
            if v <= threshold { dark &+= 1 }
        }
        // Variance of the 4-neighbour Laplacian over the interior.
        var lapSum = 0.0
        var lapSquares = 0.0
        for y in 1..<(h - 1) {
            let row = y * w
            for x in 1..<(w - 1) {
                let i = row + x
                let l =
                    4 * Int(frame[i]) - Int(frame[i - 1]) - Int(frame[i + 1]) - Int(frame[i - w]) - Int(frame[i + w])
                let d = Double(l)
                lapSum += d
                lapSquares += d * d
            }
        }
        let count = Double((w - 2) * (h - 2))
        let mean = lapSum / count
        return FrameFeature(
            mean: Double(sum) / Double(lumaCount), dark: Double(dark) / Double(lumaCount),
            sharpness: max(0, lapSquares / count - mean * mean))
    }

    /// Mean absolute change between two kept frames: (2·luma + Cb + Cr) / 4, and luma alone.
    private func difference(_ a: Int, _ b: Int) -> (Double, Double) {
        let capacity = ring.count
        return ring[a % capacity].withUnsafeBufferPointer { p in
            ring[b % capacity].withUnsafeBufferPointer { q in
                var luma = 0
                for i in 0..<lumaCount { luma &+= abs(Int(p[i]) - Int(q[i])) }
                var chroma = 0
                for i in lumaCount..<(lumaCount + 2 * chromaCount) { chroma &+= abs(Int(p[i]) - Int(q[i])) }
                let y = Double(luma) / Double(lumaCount)
                let c = Double(chroma) / Double(chromaCount)
                return ((2 * y + c) / 4, y)
            }
        }
    }
}

/// One frame reduced to what the picture analysis decides on.
public struct FrameFeature: Codable, Sendable, Equatable {
    /// Mean luma, 0–255.
    public var mean: Double
    /// The share of pixels at or below the black level.
    public var dark: Double
    /// Variance of the Laplacian of the luma.
    public var sharpness: Double
    /// Mean absolute change from the frame before (2·luma + Cb + Cr) / 4, and in luma alone;
    /// nil for a source's first frame, and for a segment's first until its neighbour fills it in.
    public var change: Double?
    public var lumaChange: Double?
    /// For a change large enough to be a cut: the change from the frame before to each of the
    /// next frames, which tells a cut from a flash.
    public var returns: [Double]?

    public init(
        mean: Double, dark: Double, sharpness: Double, change: Double? = nil, lumaChange: Double? = nil,
        returns: [Double]? = nil
    ) {
        (self.mean, self.dark, self.sharpness) = (mean, dark, sharpness)
        (self.change, self.lumaChange, self.returns) = (change, lumaChange, returns)
    }

    enum CodingKeys: String, CodingKey {
        case mean = "m"
        case dark = "d"
        case sharpness = "s"
        case change = "c"
        case lumaChange = "l"
        case returns = "r"
    }
}
