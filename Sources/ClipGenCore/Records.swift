import Foundation

public struct Organization: Codable, Sendable, Equatable {
    public var id: OrganizationID
    public var name: String
    public var createdAt: Date
    /// The region whose workers process its jobs and whose storage keeps its files first, in a
    /// deployment of several regions; nil: any region's.
    public var homeRegion: String?
    public init(id: OrganizationID = .make(), name: String, createdAt: Date, homeRegion: String? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.homeRegion = homeRegion
    }
}

public struct User: Codable, Sendable, Equatable {
    public var id: UserID
    public var organizationId: OrganizationID
    public var email: String
    public var passwordHash: String
    public var role: Role
    public var createdAt: Date
    /// A disabled user can neither sign in nor use a token or API key made earlier.
    public var disabled: Bool
    /// Part of every token issued; raising it (password change, disabling) voids the older ones.
    public var tokenVersion: Int
    public init(
        id: UserID = .make(), organizationId: OrganizationID, email: String, passwordHash: String, role: Role,
        createdAt: Date,
        disabled: Bool = false, tokenVersion: Int = 0
    ) {
        self.id = id
        self.organizationId = organizationId
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.createdAt = createdAt
        self.disabled = disabled
        self.tokenVersion = tokenVersion
    }
}

/// A long-lived credential a user makes for scripts and services. It acts as its user, with a
/// role no higher than theirs; only a hash of its secret is stored.
public struct APIKey: Codable, Sendable, Equatable {
    public var id: APIKeyID
    public var organizationId: OrganizationID
    public var userId: UserID
    public var name: String
    public var role: Role
    /// SHA-256 of the secret part, hex.
    public var secretHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public init(
        id: APIKeyID = .make(), organizationId: OrganizationID, userId: UserID, name: String, role: Role,
        secretHash: String,
        createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.organizationId = organizationId
        self.userId = userId
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

public struct Upload: Codable, Sendable, Equatable {
    public var id: UploadID
    public var organizationId: OrganizationID
    public var ownerId: UserID
    public var filename: String
    public var size: Int64
    public var sha256: String
    public var blobKey: BlobKey
    public var createdAt: Date
    public init(
        id: UploadID = .make(), organizationId: OrganizationID, ownerId: UserID, filename: String,
        size: Int64, sha256: String, blobKey: BlobKey, createdAt: Date
    ) {
        self.id = id
        self.organizationId = organizationId
        self.ownerId = ownerId
        self.filename = filename
        self.size = size
        self.sha256 = sha256
        self.blobKey = blobKey
        self.createdAt = createdAt
    }
}

/// What probing found about a job's source, kept on the job.
public struct SourceInfo: Codable, Sendable, Equatable {
    public var duration: Double
    public var width: Int?
    public var height: Int?
    public var fps: Double?
    public var videoCodec: String?
    public var audioCodec: String?
    public init(duration: Double, width: Int?, height: Int?, fps: Double?, videoCodec: String?, audioCodec: String?) {
        self.duration = duration
        self.width = width
        self.height = height
        self.fps = fps
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
    }
}

public struct Job: Codable, Sendable, Equatable {
    public var id: JobID
    public var organizationId: OrganizationID
    public var ownerId: UserID
    public var uploadId: UploadID?
    public var status: JobStatus
    public var stage: JobStage
    public var progress: Double
    public var error: JobError?
    public var request: JobRequest
    /// What probing found, keyframe index included; nil until the probe stage ran, and left
    /// unread by stores on reads that only show the job (the index can be large).
    public var media: MediaInfo? {
        didSet { if let media { source = media.sourceInfo } }
    }
    /// The summary of `media` a client sees.
    public var source: SourceInfo?
    /// The source's storyboard sprite, once the thumbnails task made it.
    public var storyboard: Storyboard?
    /// The windows the analysis picked, once it ran; they are the clips after the explicit ones.
    public var highlights: [Highlight]?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var attempts: Int

    public init(
        id: JobID = .make(), organizationId: OrganizationID, ownerId: UserID, request: JobRequest, createdAt: Date
    ) {
        self.id = id
        self.organizationId = organizationId
        self.ownerId = ownerId
        self.uploadId = request.source.uploadId
        self.status = .queued
        self.stage = request.source.url != nil && request.source.uploadId == nil ? .import : .probe
        self.progress = 0
        self.error = nil
        self.request = request
        self.media = nil
        self.createdAt = createdAt
        self.attempts = 0
    }
}

extension Job {
    /// What clip `index` covers: the explicit clips first, then the picked highlights.
    public func clipSpec(at index: Int) -> ClipSpec? {
        let explicit = request.clips ?? []
        if explicit.indices.contains(index) {
            let clip = explicit[index]
            return ClipSpec(
                start: clip.start.seconds, end: clip.end.seconds, name: clip.name, score: nil, reason: nil,
                ranges: clip.ranges == nil ? nil : clip.parts, crossfade: clip.crossfade)
        }
        let picked = highlights ?? []
        let h = index - explicit.count
        guard picked.indices.contains(h) else { return nil }
        return ClipSpec(
            start: picked[h].start, end: picked[h].end, name: "highlight-\(h + 1)", score: picked[h].score,
            reason: picked[h].reason)
    }
}

/// One clip a job renders, from an explicit range or a highlight.
public struct ClipSpec: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var name: String?
    public var score: Double?
    public var reason: String?
    /// Source ranges joined into the clip; nil for one range.
    public var ranges: [TimeRange]? = nil
    /// Seconds each joined range fades into the next.
    public var crossfade: Double? = nil
}

public struct Clip: Codable, Sendable, Equatable {
    public var id: ClipID
    public var jobId: JobID
    public var organizationId: OrganizationID
    public var index: Int
    public var name: String?
    public var start: Double
    public var end: Double
    /// Where the clip really begins in the source; differs from `start` in keyframe mode.
    public var actualStart: Double
    public var duration: Double
    public var format: OutputFormat
    public var modeUsed: CutMode
    public var fallbackReason: String?
    public var size: Int64
    public var sha256: String
    public var blobKey: BlobKey
    public var score: Double?
    /// Integrated loudness of the clip, measured when it was normalised.
    public var loudnessLUFS: Double?
    /// The video encoder that made the clip (libx264, h264_nvenc, libvpx-vp9, gif, copy).
    public var encoder: String?
    /// The poster JPEG's blob key, when thumbnails were asked for.
    public var thumbnailKey: BlobKey?
    /// Why a highlight was picked; nil for explicit ranges.
    public var reason: String?
    /// Measured after rendering, when the job asks for it.
    public var quality: ClipQuality?
    /// How a face-following or fitted crop was placed.
    public var reframe: ReframeResult?
    /// The words on the clip, when its job has a transcript.
    public var captions: ClipCaptions?
    /// The source ranges shown, once pauses were cut out.
    public var keptRanges: [TimeRange]?
    /// Seconds each kept range fades into the next.
    public var crossfade: Double?
    /// Seconds of the brand's intro before the source begins.
    public var intro: Double?
    /// The chapter markers in the file, when the job asked for them.
    public var chapters: [Chapter]?
    /// The clip's other files (`output.renditions`).
    public var renditions: [ClipRendition] = []
    public var createdAt: Date

    /// Bytes the clip's file and its renditions hold: what counts against a quota.
    public var storedSize: Int64 { size + renditions.reduce(0) { $0 + $1.size } }

    /// Every stored file of the clip: itself, its poster and its renditions.
    public var blobKeys: [BlobKey] { [blobKey] + [thumbnailKey].compactMap { $0 } + renditions.map(\.blobKey) }

    public init(
        id: ClipID = .make(), jobId: JobID, organizationId: OrganizationID, index: Int, name: String?,
        start: Double, end: Double, actualStart: Double, duration: Double, format: OutputFormat,
        modeUsed: CutMode, fallbackReason: String?, size: Int64, sha256: String, blobKey: BlobKey,
        score: Double? = nil, loudnessLUFS: Double? = nil, encoder: String? = nil, thumbnailKey: BlobKey? = nil,
        reason: String? = nil, quality: ClipQuality? = nil, presentation: ClipPresentation = ClipPresentation(),
        createdAt: Date
    ) {
        self.reframe = presentation.reframe
        self.captions = presentation.captions
        self.keptRanges = presentation.keptRanges
        self.crossfade = presentation.crossfade
        self.intro = presentation.intro
        self.chapters = presentation.chapters
        self.reason = reason
        self.quality = quality
        self.loudnessLUFS = loudnessLUFS
        self.encoder = encoder
        self.thumbnailKey = thumbnailKey
        self.id = id
        self.jobId = jobId
        self.organizationId = organizationId
        self.index = index
        self.name = name
        self.start = start
        self.end = end
        self.actualStart = actualStart
        self.duration = duration
        self.format = format
        self.modeUsed = modeUsed
        self.fallbackReason = fallbackReason
        self.size = size
        self.sha256 = sha256
        self.blobKey = blobKey
        self.score = score
        self.createdAt = createdAt
    }
}

extension Clip {
    /// Its speech and face details as stored together.
    public var presentation: ClipPresentation {
        get {
            ClipPresentation(
                reframe: reframe, captions: captions, keptRanges: keptRanges, crossfade: crossfade, intro: intro,
                chapters: chapters)
        }
        set {
            reframe = newValue.reframe
            captions = newValue.captions
            keptRanges = newValue.keptRanges
            crossfade = newValue.crossfade
            intro = newValue.intro
            chapters = newValue.chapters
        }
    }

    /// Which source seconds it shows.
    public var timeline: ClipTimeline {
        ClipTimeline(start: actualStart, end: end, kept: keptRanges, lead: intro ?? 0, overlap: crossfade ?? 0)
    }
}

/// A unit of queued work. `clipIndex` is set for render tasks, except a copy pass (all the
/// clips of a keyframe job in one task), and for quality tasks.
public struct TaskRecord: Codable, Sendable, Equatable {
    public var id: TaskID
    public var jobId: JobID
    public var kind: TaskKind
    /// The capability it is queued under (its kind's preferred one).
    public var capability: Capability
    /// Who may take it when no worker with `capability` has for a while (see `TaskPlacement`).
    public var fallback: Capability?
    public var clipIndex: Int?
    public var attempts: Int
    public var maxAttempts: Int

    /// Names this attempt's files (its scratch directory, the outputs it stores). A task taken
    /// again after its lease ran out keeps its id while the earlier attempt may still be running
    /// on a worker that has not noticed yet (a loaded machine did this): the two must not write,
    /// or remove, each other's files.
    public var attemptName: String { "\(id)-\(attempts)" }

    public init(
        id: TaskID = .make(), jobId: JobID, kind: TaskKind, capability: Capability = .cpu, fallback: Capability? = nil,
        clipIndex: Int? = nil, attempts: Int = 0, maxAttempts: Int
    ) {
        self.id = id
        self.jobId = jobId
        self.kind = kind
        self.capability = capability
        self.fallback = fallback
        self.clipIndex = clipIndex
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }
}
