/// How clips are rendered. Every field has a default: mp4, smart cut, original aspect, the
/// source's height, no loudness normalisation, no fade.
public struct OutputOptions: Codable, Sendable, Equatable {
    public var format: OutputFormat
    public var mode: CutMode
    public var aspect: Aspect
    public var height: Int?
    public var normalizeAudio: Bool
    public var fadeSeconds: Double

    public init(format: OutputFormat = .mp4, mode: CutMode = .smart, aspect: Aspect = .original,
                height: Int? = nil, normalizeAudio: Bool = false, fadeSeconds: Double = 0) {
        self.format = format
        self.mode = mode
        self.aspect = aspect
        self.height = height
        self.normalizeAudio = normalizeAudio
        self.fadeSeconds = fadeSeconds
    }

    enum CodingKeys: String, CodingKey { case format, mode, aspect, height, normalizeAudio, fadeSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(OutputFormat.self, forKey: .format) ?? .mp4
        mode = try c.decodeIfPresent(CutMode.self, forKey: .mode) ?? .smart
        aspect = try c.decodeIfPresent(Aspect.self, forKey: .aspect) ?? .original
        height = try c.decodeIfPresent(Int.self, forKey: .height)
        normalizeAudio = try c.decodeIfPresent(Bool.self, forKey: .normalizeAudio) ?? false
        fadeSeconds = try c.decodeIfPresent(Double.self, forKey: .fadeSeconds) ?? 0
    }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if format != .mp4 {
            errors.append(.init(field: "output.format", message: "only mp4 is available in this version"))
        }
        if aspect != .original {
            errors.append(.init(field: "output.aspect", message: "reframing is not available in this version; use original"))
        }
        if normalizeAudio {
            errors.append(.init(field: "output.normalizeAudio", message: "loudness normalisation is not available in this version"))
        }
        if fadeSeconds != 0 {
            errors.append(.init(field: "output.fadeSeconds", message: "fades are not available in this version"))
        }
        if let height {
            if !(16...4320).contains(height) || height % 2 != 0 {
                errors.append(.init(field: "output.height", message: "must be an even number of pixels from 16 to 4320"))
            } else if mode == .keyframe {
                errors.append(.init(field: "output.height", message: "keyframe mode copies the stream and cannot scale; use exact or smart"))
            }
        }
        return errors
    }
}
