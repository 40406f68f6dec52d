/// The half of the loudness analysis that needs samples: 48 kHz float PCM through the
/// K-weighting filters (ITU-R BS.1770-4) into one `AudioBlock` per 100 ms, and the 4×
/// oversampled true peak. `LoudnessAnalyzer` turns the blocks into loudness, range and silences,
/// so a long source can be measured in segments and decided in one pass over the blocks.
struct BlockMeasurer {
    let channels: Int
    private var shelf: [Biquad]
    private var highPass: [Biquad]
    private var peak: [TruePeak]
    /// Sample frames that only settle the filters (a segment's lead-in, which its neighbour measures).
    private var warmUp: Int

    /// K-weighted sum of squares of the current block, per channel, and its raw mean square.
    private var blockEnergy: [Double]
    private var rawEnergy = 0.0
    private(set) var blockFill = 0

    init(channels: Int, warmUp: Int = 0) {
        self.channels = channels
        self.warmUp = warmUp
        shelf = Array(repeating: Biquad.kWeightingShelf, count: channels)
        highPass = Array(repeating: Biquad.kWeightingHighPass, count: channels)
        peak = Array(repeating: TruePeak(), count: channels)
        blockEnergy = Array(repeating: 0, count: channels)
    }

    /// The largest absolute value between samples, as a linear amplitude.
    var truePeak: Double { peak.map(\.maximum).max() ?? 0 }

    /// Interleaved samples, whole sample frames; `emit` gets each block as it completes.
    mutating func consume(_ samples: UnsafeBufferPointer<Float>, emit: (AudioBlock) -> Void) {
        let frames = samples.count / channels
        var index = 0
        for _ in 0..<frames {
            let counted = warmUp == 0
            var raw = 0.0
            for c in 0..<channels {
                let x = Double(samples[index])
                index += 1
                raw += x * x
                peak[c].add(x, counted: counted)
                let z = highPass[c].process(shelf[c].process(x))
                blockEnergy[c] += z * z
            }
            guard counted else {
                warmUp -= 1
                for c in 0..<channels { blockEnergy[c] = 0 }
                continue
            }
            rawEnergy += raw / Double(channels)
            blockFill += 1
            if blockFill == LoudnessAnalyzer.blockSamples {
                // BS.1770 channel weights are 1 for left, right (and mono).
                emit(
                    AudioBlock(
                        power: blockEnergy.reduce(0, +) / Double(LoudnessAnalyzer.blockSamples),
                        raw: rawEnergy / Double(LoudnessAnalyzer.blockSamples)))
                blockFill = 0
                rawEnergy = 0
                for c in 0..<channels { blockEnergy[c] = 0 }
            }
        }
    }
}

/// 100 ms of sound: its K-weighted mean square summed over channels, and its plain mean square.
public struct AudioBlock: Codable, Sendable, Equatable {
    public var power: Double
    public var raw: Double

    public init(power: Double, raw: Double) {
        self.power = power
        self.raw = raw
    }

    enum CodingKeys: String, CodingKey {
        case power = "p"
        case raw = "r"
    }
}
