/// What a client asks for in `POST /v1/jobs`. Decoded leniently (everything but `source` has a
/// default) and then checked by `validate()`, which reports every problem at once.
public struct JobRequest: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var uploadId: UploadID?
        public var url: String?
        public init(uploadId: UploadID? = nil, url: String? = nil) {
            self.uploadId = uploadId
            self.url = url
        }
    }

    public struct ClipRange: Codable, Sendable, Equatable {
        public struct Part: Codable, Sendable, Equatable {
            public var start: MediaTime
            public var end: MediaTime
            public init(start: Double, end: Double) {
                self.start = MediaTime(seconds: start)
                self.end = MediaTime(seconds: end)
            }
        }

        public var start: MediaTime
        public var end: MediaTime
        public var name: String?
        /// Several ranges of the source joined into one clip, in the source's order, frame-exact;
        /// `start` and `end` are then the first one's start and the last one's end.
        public var ranges: [Part]?
        /// Seconds each joined range fades into the next (picture and sound); the clip is that
        /// much shorter at each join.
        public var crossfade: Double?

        public init(start: Double, end: Double, name: String? = nil) {
            self.start = MediaTime(seconds: start)
            self.end = MediaTime(seconds: end)
            self.name = name
        }

        public init(ranges: [Part], name: String? = nil) {
            start = ranges.first?.start ?? MediaTime(seconds: 0)
            end = ranges.last?.end ?? MediaTime(seconds: 0)
            self.ranges = ranges
            self.name = name
        }

        enum CodingKeys: String, CodingKey { case start, end, name, ranges, crossfade }

        /// `start` and `end` may be left out when `ranges` is given.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            ranges = try c.decodeIfPresent([Part].self, forKey: .ranges)
            crossfade = try c.decodeIfPresent(Double.self, forKey: .crossfade)
            if let ranges, !c.contains(.start) && !c.contains(.end) {
                start = ranges.first?.start ?? MediaTime(seconds: 0)
                end = ranges.last?.end ?? MediaTime(seconds: 0)
            } else {
                start = try c.decode(MediaTime.self, forKey: .start)
                end = try c.decode(MediaTime.self, forKey: .end)
            }
        }

        /// The source ranges the clip shows: its `ranges`, or the one from `start` to `end`.
        public var parts: [TimeRange] {
            ranges?.map { TimeRange(start: $0.start.seconds, end: $0.end.seconds) }
                ?? [TimeRange(start: start.seconds, end: end.seconds)]
        }

        /// The longest crossfade, in seconds.
        public static let maxCrossfade = 2.0

        func validateRanges(field: String) -> [FieldError] {
            if let crossfade {
                guard (ranges?.count ?? 0) >= 2 else {
                    return [.init(field: "\(field).crossfade", message: "a crossfade joins ranges: give two or more")]
                }
                if !(crossfade >= 0.04 && crossfade <= Self.maxCrossfade) {
                    return [
                        .init(
                            field: "\(field).crossfade",
                            message: "must be 0.04 to \(Int(Self.maxCrossfade)) seconds")
                    ]
                }
                if parts.contains(where: { $0.duration <= 2 * crossfade }) {
                    return [
                        .init(
                            field: "\(field).crossfade", message: "each range must be longer than twice the crossfade")
                    ]
                }
            }
            guard let ranges else { return [] }
            guard (1...JobRequest.maxRanges).contains(ranges.count) else {
                return [.init(field: "\(field).ranges", message: "give 1 to \(JobRequest.maxRanges) ranges")]
            }
            var errors: [FieldError] = []
            for (index, part) in ranges.enumerated() {
                let name = "\(field).ranges[\(index)]"
                if !(part.start.seconds >= 0 && part.end.seconds <= JobRequest.maxSeconds && part.end > part.start) {
                    errors.append(
                        .init(field: name, message: "needs 0 <= start < end <= \(Int(JobRequest.maxSeconds)) seconds"))
                } else if index > 0 && part.start < ranges[index - 1].end {
                    errors.append(
                        .init(field: "\(name).start", message: "must not be before the previous range's end"))
                }
            }
            if start != ranges.first?.start || end != ranges.last?.end {
                errors.append(
                    .init(
                        field: field,
                        message: "start and end must be the first range's start and the last range's end (or left out)"
                    ))
            }
            return errors
        }
    }

    public struct Highlights: Codable, Sendable, Equatable {
        public var count: Int
        public var minDuration: Double?
        public var maxDuration: Double?
        /// Words to find: the moments where they are said (the job then transcribes its source).
        public var query: String?
        public init(count: Int, minDuration: Double? = nil, maxDuration: Double? = nil, query: String? = nil) {
            self.count = count
            self.query = query
            self.minDuration = minDuration
            self.maxDuration = maxDuration
        }

        /// 15 s unless asked otherwise.
        public var resolvedMinDuration: Double { minDuration ?? 15 }
        /// 60 s, or the minimum when that is longer.
        public var resolvedMaxDuration: Double { max(maxDuration ?? 60, resolvedMinDuration) }
    }

    public var source: Source
    public var clips: [ClipRange]?
    public var highlights: Highlights?
    public var output: OutputOptions?
    public var analyze: Bool?
    /// Chapter markers in each clip's file (mp4, mov, webm) at its joined ranges and shot cuts,
    /// and a YouTube-style list on the clip; the source is analysed for its shots.
    public var chapters: Bool?
    /// Posters per clip and the source's storyboard; on unless `false`.
    public var thumbnails: ThumbnailOptions?
    /// PSNR, SSIM and loudness of each clip against its source range; default on, except in
    /// keyframe mode, whose clips are the source's own packets.
    public var quality: Bool?
    public var webhookUrl: String?
    /// Make (or reuse) the source's transcript; implied by captions, silence cuts and a highlights query.
    public var transcribe: Bool?
    /// Still frames to extract from the source.
    public var frames: FrameRequest?
    /// Lay the organisation's brand kit (`PUT /v1/brand`) over the clips.
    public var brand: Bool?
    /// Set by the server on a re-render of a clip (`POST /v1/clips/{id}/renders`).
    public var rerender: RerenderOrigin?
    /// The organisation's preset whose settings the job took (`/v1/presets`), under its own.
    public var preset: String?
    /// Set by the server on the jobs of a batch (`POST /v1/batches`).
    public var batch: BatchID?
    /// -10 to 10, default 0: among the organisation's queued work, higher goes first. Between
    /// organisations the one with the fewest tasks running goes first, so one organisation's
    /// backlog never starves another's single job.
    public var priority: Int?

    public var resolvedPriority: Int { priority ?? 0 }

    public init(source: Source, clips: [ClipRange]? = nil, output: OutputOptions? = nil) {
        self.source = source
        self.clips = clips
        self.output = output
    }

    /// The output options with every default filled in.
    public var resolvedOutput: OutputOptions { output ?? OutputOptions() }

    /// Whether the source is analysed: asked for, or needed to pick highlights.
    public var needsAnalysis: Bool {
        analyze == true || highlights != nil || frames?.byShot == true || chapters == true
    }

    /// Whether the job needs its source's words: asked for, or for captions, silence cuts or a
    /// highlights query. Highlights also use a transcript the job has, to score what is said and
    /// to keep their edges out of words.
    public var needsTranscript: Bool {
        transcribe == true || resolvedOutput.needsTranscript || highlights?.query != nil
    }

    /// Whether posters and the storyboard are made.
    public var makesThumbnails: Bool { thumbnails?.enabled ?? true }

    /// Whether every clip is a stream copy the worker cuts from one open of the source, with
    /// their posters, in one task: keyframe mode and nothing that makes a clip its own render
    /// (joined ranges, renditions, chapter markers written into the file, a re-render).
    public var copiesInOnePass: Bool {
        resolvedOutput.mode == .keyframe && (resolvedOutput.renditions ?? []).isEmpty && chapters != true
            && rerender == nil && !(clips ?? []).contains { $0.ranges != nil }
    }

    /// Whether each clip's quality is measured after it is rendered.
    /// Never for a format FFmpeg cannot read back (animated WebP).
    public var measuresQuality: Bool {
        resolvedOutput.format.readsBack && (quality ?? (resolvedOutput.mode != .keyframe))
    }

    /// Limits that keep one request from asking for unbounded work.
    public static let maxClips = 100
    /// In UTF-8 bytes, not characters: one grapheme cluster can be arbitrarily long.
    public static let maxNameLength = 200
    public static let maxHighlights = 20
    /// Ranges joined into one clip.
    public static let maxRanges = 50
    /// No source is longer than this (about 115 days); larger times are typing mistakes or attacks.
    public static let maxSeconds = 10_000_000.0

    /// Every problem with the request, each tied to the field a client must change.
    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        switch (source.uploadId, source.url) {
        case (nil, nil), (.some, .some):
            errors.append(.init(field: "source", message: "give exactly one of uploadId or url"))
        case (nil, .some(let url)):
            let lowered = url.lowercased()
            if url.utf8.count > 2048 || !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://")) {
                errors.append(.init(field: "source.url", message: "must be an http(s) URL of at most 2048 bytes"))
            }
        case (.some(let id), nil) where !Identifier.isWellFormed(id.rawValue):
            errors.append(.init(field: "source.uploadId", message: "not an upload id"))
        default: break
        }
        let clips = clips ?? []
        if clips.isEmpty && highlights == nil && analyze != true && transcribe != true && frames == nil {
            errors.append(
                .init(
                    field: "clips",
                    message: "ask for at least one of clips, highlights, frames, analyze: true or transcribe: true"))
        }
        // Counts are checked before anything is computed with them: a client's Int.max must not
        // reach an addition, and a huge array is not walked.
        let highlightCount = highlights?.count ?? 0
        if let highlights {
            if !(1...Self.maxHighlights).contains(highlights.count) {
                errors.append(.init(field: "highlights.count", message: "must be from 1 to \(Self.maxHighlights)"))
            }
            if let min = highlights.minDuration, !(min >= 1 && min <= 600) {
                errors.append(.init(field: "highlights.minDuration", message: "must be from 1 to 600 seconds"))
            }
            if let max = highlights.maxDuration, !(max >= 1 && max <= 600) {
                errors.append(.init(field: "highlights.maxDuration", message: "must be from 1 to 600 seconds"))
            } else if let max = highlights.maxDuration, max < highlights.resolvedMinDuration {
                errors.append(
                    .init(
                        field: "highlights.maxDuration",
                        message: "must be at least minDuration (\(highlights.resolvedMinDuration) s)"))
            }
            if let query = highlights.query, query.allSatisfy(\.isWhitespace) || query.utf8.count > 200 {
                errors.append(.init(field: "highlights.query", message: "must be 1 to 200 bytes of words to look for"))
            }
            let fade = resolvedOutput.fadeSeconds
            if fade > 0, highlights.resolvedMinDuration < 2 * fade {
                errors.append(
                    .init(
                        field: "highlights.minDuration", message: "is shorter than the fade in and out (\(2 * fade) s)")
                )
            }
        }
        guard clips.count <= Self.maxClips, (0...Self.maxHighlights).contains(highlightCount) else {
            if clips.count > Self.maxClips {
                errors.append(
                    .init(field: "clips", message: "at most \(Self.maxClips) clips per job, highlights included"))
            }
            return errors
        }
        if clips.count + highlightCount > Self.maxClips {
            errors.append(.init(field: "clips", message: "at most \(Self.maxClips) clips per job, highlights included"))
        }
        for (index, clip) in clips.enumerated() {
            let field = "clips[\(index)]"
            // Joined ranges are checked one by one, and their span is theirs.
            if clip.ranges == nil && !(clip.start.seconds >= 0 && clip.start.seconds <= Self.maxSeconds) {
                errors.append(
                    .init(field: "\(field).start", message: "must be from 0 to \(Int(Self.maxSeconds)) seconds"))
            }
            if clip.ranges == nil && (!(clip.end.seconds <= Self.maxSeconds) || clip.end <= clip.start) {
                errors.append(
                    .init(
                        field: "\(field).end",
                        message: clip.end.seconds <= Self.maxSeconds
                            ? "must be after start" : "must be at most \(Int(Self.maxSeconds)) seconds"))
            }
            let fade = resolvedOutput.fadeSeconds
            if fade > 0, clip.parts.reduce(0, { $0 + $1.duration }) < 2 * fade {
                errors.append(.init(field: "\(field)", message: "is shorter than the fade in and out (\(2 * fade) s)"))
            }
            errors += clip.validateRanges(field: field)
            if clip.crossfade != nil && (resolvedOutput.removeSilences != nil || resolvedOutput.removeFillers != nil) {
                errors.append(
                    .init(
                        field: "\(field).crossfade",
                        message: "a crossfade joins whole ranges: not together with removeSilences or removeFillers"))
            }
            if let name = clip.name, name.utf8.count > Self.maxNameLength {
                errors.append(.init(field: "\(field).name", message: "at most \(Self.maxNameLength) bytes of UTF-8"))
            }
        }
        errors += resolvedOutput.validate()
        if resolvedOutput.format == .hls {
            errors.append(
                .init(
                    field: "output.format",
                    message: "hls is delivered beside a playable file: list it in output.renditions"))
        }
        if brand == true && resolvedOutput.mode == .keyframe {
            errors.append(
                .init(
                    field: "output.mode",
                    message: "keyframe mode copies the stream and cannot lay a brand over it; use exact or smart"))
        }
        if chapters == true && ![.mp4, .mov, .webm].contains(resolvedOutput.format) {
            errors.append(.init(field: "chapters", message: "chapter markers need an mp4, mov or webm clip"))
        }
        if let priority, !(-10...10).contains(priority) {
            errors.append(.init(field: "priority", message: "must be from -10 to 10"))
        }
        errors += frames?.validate() ?? []
        // Capped as imports are: every delivery attempt repeats it in its record and its errors.
        if let webhookUrl, let problem = Self.webhookURLProblem(webhookUrl) {
            errors.append(.init(field: "webhookUrl", message: problem))
        }
        return errors
    }

    /// Why `url` cannot receive webhooks, or nil when it can be tried.
    public static func webhookURLProblem(_ url: String) -> String? {
        url.utf8.count > 2048 || !(url.hasPrefix("https://") || url.hasPrefix("http://"))
            ? "must be an http(s) URL of at most 2048 bytes" : nil
    }
}
