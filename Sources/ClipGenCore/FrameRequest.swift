/// Still frames a job extracts from its source (`frames`): one every `every` seconds, at the
/// times in `at`, or one in the middle of each shot (`shots`, which makes the job analyse).
/// Each is the frame on screen at its time, in `format`, `width` pixels wide (the source's own
/// width when nil).
public struct FrameRequest: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable, CaseIterable {
        case jpeg, png, webp

        public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
        public var contentType: String { "image/" + rawValue }
    }

    public var every: Double?
    public var at: [Double]?
    public var shots: Bool?
    public var format: Format
    public var width: Int?

    /// The most frames one job makes.
    public static let limit = 1000

    public init(
        every: Double? = nil, at: [Double]? = nil, shots: Bool? = nil, format: Format = .jpeg, width: Int? = nil
    ) {
        self.every = every
        self.at = at
        self.shots = shots
        self.format = format
        self.width = width
    }

    enum CodingKeys: String, CodingKey { case every, at, shots, format, width }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Double.self, forKey: .every)
        at = try c.decodeIfPresent([Double].self, forKey: .at)
        shots = try c.decodeIfPresent(Bool.self, forKey: .shots)
        format = try c.decodeIfPresent(Format.self, forKey: .format) ?? .jpeg
        width = try c.decodeIfPresent(Int.self, forKey: .width)
    }

    public var byShot: Bool { shots == true }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        let chosen = [every != nil, at != nil, shots == true].filter { $0 }.count
        if chosen != 1 {
            errors.append(.init(field: "frames", message: "give exactly one of every, at and shots: true"))
        }
        if let every, !(every >= 0.1 && every <= 86_400) {
            errors.append(.init(field: "frames.every", message: "must be from 0.1 to 86400 seconds"))
        }
        if let at {
            if at.isEmpty || at.count > Self.limit {
                errors.append(.init(field: "frames.at", message: "must list 1 to \(Self.limit) times"))
            }
            if let bad = at.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                errors.append(.init(field: "frames.at[\(bad)]", message: "must be a time in seconds, 0 or later"))
            }
        }
        if let width, !(16...7680).contains(width) || width % 2 != 0 {
            errors.append(.init(field: "frames.width", message: "must be an even number of pixels from 16 to 7680"))
        }
        return errors
    }

    /// The times to extract from a source of `duration` seconds (for `every` and `at`; shots
    /// come from the analysis): in order, inside the source, at most `limit`.
    public func times(duration: Double, shots: [Double] = []) -> [Double] {
        let wanted: [Double]
        if let every {
            wanted = (0..<Self.limit).lazy.map { Double($0) * every }.prefix { $0 < duration }.map { $0 }
        } else if let at {
            wanted = at
        } else {
            wanted = shots
        }
        return Array(Set(wanted.filter { $0 >= 0 && $0 < duration })).sorted().prefix(Self.limit).map { $0 }
    }
}

/// Frames a job extracted, as stored beside it (`jobs/{id}/frames.json`).
public struct FrameSet: Codable, Sendable, Equatable {
    public struct Frame: Codable, Sendable, Equatable {
        public var index: Int
        /// The time asked for; the frame shown is the one on screen then.
        public var time: Double
        public var width: Int
        public var height: Int
        public var size: Int64
        public var blobKey: BlobKey

        public init(index: Int, time: Double, width: Int, height: Int, size: Int64, blobKey: BlobKey) {
            self.index = index
            self.time = time
            self.width = width
            self.height = height
            self.size = size
            self.blobKey = blobKey
        }
    }

    public var format: FrameRequest.Format
    public var frames: [Frame]

    public init(format: FrameRequest.Format, frames: [Frame]) {
        self.format = format
        self.frames = frames
    }

    public static func manifestKey(for job: JobID) throws -> BlobKey { try BlobKey("jobs/\(job)/frames.json") }
}
