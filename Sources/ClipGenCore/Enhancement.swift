/// Picture and sound repairs applied while a clip is rendered (`output.enhance`). Each filter is
/// off unless named, except deinterlacing, which is `auto`: on for a source the probe found
/// interlaced. A filter given as `true` takes its defaults (`"denoise": true`).
public struct Enhancement: Codable, Sendable, Equatable {
    public enum DenoiseMethod: String, Codable, Sendable, CaseIterable {
        /// Fast spatial and temporal smoothing.
        case hqdn3d
        /// Non-local means: slower, keeps edges better.
        case nlmeans
    }

    public enum SharpenMethod: String, Codable, Sendable, CaseIterable {
        /// Contrast-adaptive sharpening: little ringing.
        case cas
        case unsharp
    }

    public enum Deinterlace: String, Codable, Sendable, CaseIterable {
        /// Deinterlace frames flagged interlaced when the probe found the source interlaced.
        case auto
        /// Deinterlace every frame, whatever the source says.
        case on
        case off
    }

    public struct Denoise: Codable, Sendable, Equatable {
        public var method: DenoiseMethod
        /// 0 (light) to 1 (heavy).
        public var strength: Double

        public init(method: DenoiseMethod = .hqdn3d, strength: Double = 0.5) {
            self.method = method
            self.strength = strength
        }

        enum CodingKeys: String, CodingKey { case method, strength }

        public init(from decoder: any Decoder) throws {
            guard try Enhancement.object(decoder) else {
                self.init()
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                method: try c.decodeIfPresent(DenoiseMethod.self, forKey: .method) ?? .hqdn3d,
                strength: try c.decodeIfPresent(Double.self, forKey: .strength) ?? 0.5)
        }
    }

    public struct Sharpen: Codable, Sendable, Equatable {
        public var method: SharpenMethod
        /// 0 (light) to 1 (strong).
        public var strength: Double

        public init(method: SharpenMethod = .cas, strength: Double = 0.5) {
            self.method = method
            self.strength = strength
        }

        enum CodingKeys: String, CodingKey { case method, strength }

        public init(from decoder: any Decoder) throws {
            guard try Enhancement.object(decoder) else {
                self.init()
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                method: try c.decodeIfPresent(SharpenMethod.self, forKey: .method) ?? .cas,
                strength: try c.decodeIfPresent(Double.self, forKey: .strength) ?? 0.5)
        }
    }

    public struct Stabilize: Codable, Sendable, Equatable {
        /// Frames each way the camera path is smoothed over: more is steadier, and crops more.
        public var smoothing: Int

        public init(smoothing: Int = 15) { self.smoothing = smoothing }

        enum CodingKeys: String, CodingKey { case smoothing }

        public init(from decoder: any Decoder) throws {
            guard try Enhancement.object(decoder) else {
                self.init()
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(smoothing: try c.decodeIfPresent(Int.self, forKey: .smoothing) ?? 15)
        }
    }

    public struct Upscale: Codable, Sendable, Equatable {
        /// The height a smaller picture is enlarged to (Lanczos); a taller one is left as it is.
        public var height: Int

        public init(height: Int) { self.height = height }
    }

    public struct AudioDenoise: Codable, Sendable, Equatable {
        /// 0 (light) to 1 (heavy).
        public var strength: Double

        public init(strength: Double = 0.5) { self.strength = strength }

        enum CodingKeys: String, CodingKey { case strength }

        public init(from decoder: any Decoder) throws {
            guard try Enhancement.object(decoder) else {
                self.init()
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(strength: try c.decodeIfPresent(Double.self, forKey: .strength) ?? 0.5)
        }
    }

    public var denoise: Denoise?
    public var sharpen: Sharpen?
    public var deinterlace: Deinterlace
    public var deband: Bool
    public var stabilize: Stabilize?
    public var upscale: Upscale?
    /// Stretches levels to the full range and evens out colour casts.
    public var autoLevels: Bool
    public var audioDenoise: AudioDenoise?
    /// Evens out loud and quiet stretches of sound.
    public var dynamicNormalize: Bool

    public init(
        denoise: Denoise? = nil, sharpen: Sharpen? = nil, deinterlace: Deinterlace = .auto, deband: Bool = false,
        stabilize: Stabilize? = nil, upscale: Upscale? = nil, autoLevels: Bool = false,
        audioDenoise: AudioDenoise? = nil, dynamicNormalize: Bool = false
    ) {
        self.denoise = denoise
        self.sharpen = sharpen
        self.deinterlace = deinterlace
        self.deband = deband
        self.stabilize = stabilize
        self.upscale = upscale
        self.autoLevels = autoLevels
        self.audioDenoise = audioDenoise
        self.dynamicNormalize = dynamicNormalize
    }

    public enum CodingKeys: String, CodingKey {
        case denoise, sharpen, deinterlace, deband, stabilize, upscale, autoLevels, audioDenoise, dynamicNormalize
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // `false` turns a filter off like leaving it out.
        func optional<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> T? {
            if (try? c.decodeIfPresent(Bool.self, forKey: key)) == false { return nil }
            return try c.decodeIfPresent(T.self, forKey: key)
        }
        denoise = try optional(Denoise.self, .denoise)
        sharpen = try optional(Sharpen.self, .sharpen)
        deinterlace = try c.decodeIfPresent(Deinterlace.self, forKey: .deinterlace) ?? .auto
        deband = try c.decodeIfPresent(Bool.self, forKey: .deband) ?? false
        stabilize = try optional(Stabilize.self, .stabilize)
        upscale = try c.decodeIfPresent(Upscale.self, forKey: .upscale)
        autoLevels = try c.decodeIfPresent(Bool.self, forKey: .autoLevels) ?? false
        audioDenoise = try optional(AudioDenoise.self, .audioDenoise)
        dynamicNormalize = try c.decodeIfPresent(Bool.self, forKey: .dynamicNormalize) ?? false
    }

    /// Whether a filter value is an object (else it must be `true`, meaning its defaults).
    static func object(_ decoder: any Decoder) throws -> Bool {
        if let flag = try? decoder.singleValueContainer().decode(Bool.self) {
            guard flag else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "false is the same as leaving it out"))
            }
            return false
        }
        return true
    }

    /// Whether any filter changes pictures regardless of the source (deinterlacing aside).
    public var changesPictures: Bool {
        denoise != nil || sharpen != nil || deinterlace == .on || deband || stabilize != nil || upscale != nil
            || autoLevels
    }

    public var changesSound: Bool { audioDenoise != nil || dynamicNormalize }

    /// The names of what is asked for, for messages: `denoise, stabilize`.
    public var names: [String] {
        [
            denoise.map { _ in "denoise" }, sharpen.map { _ in "sharpen" }, deinterlace == .on ? "deinterlace" : nil,
            deband ? "deband" : nil, stabilize.map { _ in "stabilize" }, upscale.map { _ in "upscale" },
            autoLevels ? "autoLevels" : nil, audioDenoise.map { _ in "audioDenoise" },
            dynamicNormalize ? "dynamicNormalize" : nil,
        ].compactMap { $0 }
    }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        let unit = { (value: Double?, field: String) in
            if let value, !(value >= 0 && value <= 1) {
                errors.append(.init(field: "output.enhance.\(field).strength", message: "must be from 0 to 1"))
            }
        }
        unit(denoise?.strength, "denoise")
        unit(sharpen?.strength, "sharpen")
        unit(audioDenoise?.strength, "audioDenoise")
        if let smoothing = stabilize?.smoothing, !(1...100).contains(smoothing) {
            errors.append(.init(field: "output.enhance.stabilize.smoothing", message: "must be from 1 to 100 frames"))
        }
        if let height = upscale?.height, !(32...4320).contains(height) || height % 2 != 0 {
            errors.append(
                .init(
                    field: "output.enhance.upscale.height", message: "must be an even number of pixels from 32 to 4320")
            )
        }
        return errors
    }
}
