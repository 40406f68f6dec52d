import BlobStorage
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Outbound
import Persistence

/// What each task kind does: probe the source, transcribe it, analyse it and pick highlights,
/// render one clip (captioned, reframed, pauses cut), make the storyboard, or measure a rendered
/// clip's quality. What follows each task is the `JobWorkflow`'s to decide.
public struct TaskPipeline<Store: JobRepository & TaskQueue & QuotaLedger, Blobs: BlobStore>: Sendable {
    public var store: Store
    public var blobs: Blobs
    public var prober: Prober
    public var cutter: Cutter
    public var thumbnailer: Thumbnailer
    public var analyzer: MediaAnalyzer
    public var qualityMeter: QualityMeter
    /// Speech to text; its transcript is kept per upload (`Transcript.blobKey`) and reused.
    public var speech: SpeechRecognizer
    /// Faces on sampled frames, for `reframe: face`.
    public var faces: FaceDetector
    /// The H.264 encoder this worker renders mp4 with.
    public var encoder: VideoEncoder
    public var scratchDirectory: String
    /// Local copies of sources and clips for FFmpeg, shared by this worker's tasks.
    public var sources: SourceCache<Blobs>
    public var clock: WallClock
    /// Fetches `source.url` imports; only the addresses its policy allows.
    public var importer: PinnedHTTPClient
    /// What imports are held to: an import is an upload by other means, so the organisation's
    /// upload limit and storage room apply (these are the service's defaults for both).
    public var quotas = QuotaDefaults(maxUploadBytes: 10 << 30)
    /// How long one import may take.
    public var importTimeout: Duration = .seconds(3600)
    /// Sources longer than this are analysed and transcribed in segments of about this length,
    /// across workers; 0 analyses and transcribes every source in one pass.
    public var analysisSegmentSeconds = 600.0

    public init(
        store: Store, blobs: Blobs, prober: Prober, cutter: Cutter, thumbnailer: Thumbnailer,
        analyzer: MediaAnalyzer = MediaAnalyzer(), qualityMeter: QualityMeter = QualityMeter(),
        speech: SpeechRecognizer = SpeechRecognizer(), faces: FaceDetector = FaceDetector(),
        encoder: VideoEncoder = .libx264,
        scratchDirectory: String, sourceCacheBytes: Int64 = 20 << 30, keepsSourceCopies: Bool = true,
        importPolicy: NetworkPolicy = NetworkPolicy(), clock: WallClock = .system
    ) {
        self.importer = PinnedHTTPClient(policy: importPolicy)
        self.sources = SourceCache(
            blobs: blobs, directory: scratchDirectory + "/sources", capacityBytes: sourceCacheBytes,
            keepsCopies: keepsSourceCopies)
        self.analyzer = analyzer
        self.speech = speech
        self.faces = faces
        self.qualityMeter = qualityMeter
        self.store = store
        self.blobs = blobs
        self.prober = prober
        self.cutter = cutter
        self.thumbnailer = thumbnailer
        self.encoder = encoder
        self.scratchDirectory = scratchDirectory
        self.clock = clock
    }

    public func run(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        if claimed.task.attempts > 1 { await removeEarlierAttempts(of: claimed.task) }
        switch claimed.task.kind {
        case .probe: return try await probe(claimed.job, progress: progress)
        case .transcribe: return try await transcribe(claimed, progress: progress)
        case .analyze: return try await analyze(claimed, progress: progress)
        case .segment: return try await measureSegment(claimed, progress: progress)
        case .speechSegment: return try await transcribeSegment(claimed, progress: progress)
        case .render:
            return try await claimed.task.clipIndex == nil
                ? copyPass(claimed, progress: progress) : render(claimed, progress: progress)
        case .thumbnails: return try await storyboard(claimed)
        case .quality: return try await measureQuality(claimed, progress: progress)
        case .frames: return try await frames(claimed)
        }
    }

    func probe(_ job: Job, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws -> TaskOutcome {
        if job.uploadId == nil, let url = job.request.source.url {
            return try await importAndProbe(job, url: url, progress: progress)
        }
        let media = try await withSource(of: job) { path in try await prober.probe(path) }
        try checkClips(of: job, against: media)
        return TaskOutcome(media: media)
    }

    /// A `source.url` job's first task: the file fetched (the `import` stage, with progress),
    /// stored like an upload, probed, and recorded as the job's source with the probe's result.
    func importAndProbe(_ job: Job, url: String, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        try await withScratch("import-" + job.id.rawValue) { scratch in
            let file = scratch + "/source"
            progress(.import, 0)
            let limits = try await store.limits(for: job.organizationId, defaults: quotas)
            var limit = limits.uploadBytes
            if let stored = limits.storedBytes {
                limit = min(
                    limit, max(0, stored - (try await store.usage(organizationId: job.organizationId)).storedBytes))
            }
            let fetched: PinnedHTTPClient.Download
            do {
                fetched = try await importer.download(url, to: file, limit: limit, timeout: importTimeout) { fraction in
                    progress(.import, fraction)
                }
            } catch OutboundError.tooLarge {
                throw limit < limits.uploadBytes
                    ? Self.storageFull
                    : JobError(
                        code: .quotaExceeded,
                        message:
                            """
                            the file at the URL is larger than your organisation's upload limit of \
                            \(limits.uploadBytes) bytes
                            """
                    )
            }
            // Held until the upload's row is written with the outcome: imports at once cannot all
            // take the same room (the room read above is only where streaming stops).
            let reservation = StorageReservation(
                id: StorageReservation.importID(job.id), organizationId: job.organizationId, bytes: fetched.bytes,
                expiresAt: clock.now().addingTimeInterval(3600))
            guard try await store.reserveStorage(reservation, limit: limits.storedBytes) else { throw Self.storageFull }
            do {
                progress(.probe, 0)
                let media = try await prober.probe(file)
                try checkClips(of: job, against: media)
                let id = UploadID.make()
                let key = try BlobKey("uploads/\(id)")
                let stored = try await blobs.importFile(at: file, as: key)
                // Named as where it was found, after redirects.
                let name = URL(string: fetched.finalURL)?.lastPathComponent ?? ""
                let upload = Upload(
                    id: id, organizationId: job.organizationId, ownerId: job.ownerId,
                    filename: name.isEmpty || name == "/" ? "import" : String(name.prefix(200)),
                    size: stored.size, sha256: stored.sha256, blobKey: key, createdAt: clock.now())
                return TaskOutcome(media: media, importedUpload: upload)
            } catch {
                try? await store.releaseStorage(id: reservation.id)
                throw error
            }
        }
    }

    static var storageFull: JobError {
        JobError(
            code: .quotaExceeded,
            message:
                """
                the imported file does not fit in your organisation's storage quota; delete uploads or jobs to \
                make room
                """
        )
    }

    private func checkClips(of job: Job, against media: MediaInfo) throws {
        let clips = job.request.clips ?? []
        // Half a frame of slack: a clip that ends on the last frame's end time is inside the video.
        let slack = media.frameDuration / 2
        for (index, clip) in clips.enumerated() where clip.end.seconds > media.duration + slack {
            throw JobError.rangeOutsideMedia(clipIndex: index, end: clip.end.seconds, duration: media.duration)
        }
    }

    /// The transcript kept for the job's upload; a job that needs one has made it by now.
    func storedTranscript(of job: Job) async throws -> Transcript {
        guard let uploadId = job.uploadId else {
            throw JobError(code: .sourceMissing, message: "the job has no source to have words")
        }
        do {
            // Through the source cache: a job's renders read the one local copy, not a download each.
            return try await sources.withFile(Transcript.blobKey(for: uploadId)) { file in
                try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            }
        } catch BlobError.notFound {
            throw JobError(
                code: .sourceMissing,
                message: "the source's transcript is missing (its upload was deleted?); submit the job again")
        }
    }

    func render(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media, let index = claimed.task.clipIndex, let request = job.clipSpec(at: index) else {
            throw JobError(code: .internalError, message: "the render task lost its clip; submit the job again")
        }
        let options = job.request.resolvedOutput
        return try await withScratch(claimed.task.attemptName) { scratch in
            let output = scratch + "/clip." + options.format.fileExtension

            let transcript =
                try await job.request.needsTranscript
                ? storedTranscript(of: job).corrected(job.request.rerender?.corrections ?? []) : nil
            let renderer = ClipRenderer(presenter: ClipPresenter(faces: faces), cutter: cutter, encoder: encoder)
            let brand = job.request.brand == true ? try await brandAssets(of: job, scratch: scratch) : nil
            let rendered = try await withSource(of: job) { path in
                var plan = CutPlan(
                    input: path, output: output, start: request.start, end: request.end, options: options, media: media)
                if let ranges = request.ranges { plan.join(ranges, crossfade: request.crossfade) }
                brand?.apply(to: &plan)
                return try await renderer.render(plan, transcript: transcript, media: media, scratch: scratch) {
                    progress(.render, $0)
                }
            }
            let (plan, loudness) = (rendered.plan, rendered.loudness)
            var presentation = rendered.presentation
            let duration = try await prober.duration(of: plan)
            if job.request.chapters == true {
                let cuts = try await store.analysis(jobId: job.id, organizationId: job.organizationId)?.cuts ?? []
                var timeline = plan.timeline
                timeline.lead = presentation.intro ?? 0
                let chapters = ClipChapters.make(
                    timeline: timeline, duration: duration, cuts: cuts.map(\.time), transcript: transcript)
                try await ChapterWriter(runner: cutter.runner, ffmpegPath: cutter.ffmpegPath).write(
                    chapters, into: output)
                presentation.chapters = chapters
            }
            var posterKey: BlobKey?
            if job.request.makesThumbnails && !options.format.isAudioOnly && options.format.readsBack {
                let poster = scratch + "/poster.jpg"
                try await thumbnailer.poster(
                    of: output, duration: duration, part: plan.sourcePart(ofDuration: duration),
                    exact: job.request.thumbnails?.exact ?? false, fadeIn: options.fadeSeconds, to: poster)
                let key = try BlobKey("clips/\(job.id)/\(index)-\(claimed.task.attemptName).jpg")
                _ = try await blobs.importFile(at: poster, as: key)
                posterKey = key
            }
            // The attempt's name keeps the key unique, so a late worker that lost its lease can
            // remove its own file without touching the winner's.
            let key = try BlobKey(
                "clips/\(job.id)/\(index)-\(claimed.task.attemptName).\(options.format.fileExtension)")
            let stored = try await blobs.importFile(at: output, as: key)
            var renditions: [ClipRendition] = []
            do {
                for (number, wanted) in (options.renditions ?? []).enumerated() {
                    renditions.append(
                        try await rendition(
                            number, wanted, of: plan, job: job, clipIndex: index, task: claimed.task, scratch: scratch))
                }
                try Task.checkCancellation()
            } catch {
                // What this attempt stored goes when it ends without a clip.
                for key in [key, posterKey].compactMap({ $0 }) + renditions.map(\.blobKey) {
                    try? await blobs.delete(key)
                }
                throw error
            }
            var clip = Clip(
                jobId: job.id, organizationId: job.organizationId, index: index, name: request.name,
                start: request.start, end: plan.end, actualStart: plan.actualStart, duration: duration,
                format: options.format, modeUsed: plan.mode, fallbackReason: plan.fallbackReason,
                size: stored.size, sha256: stored.sha256, blobKey: key, score: request.score,
                loudnessLUFS: loudness?.integrated,
                encoder: plan.encoderName, thumbnailKey: posterKey, reason: request.reason, presentation: presentation,
                createdAt: clock.now())
            clip.renditions = renditions
            return TaskOutcome(clips: [clip])
        }
    }

    /// One of the clip's other files: the plan the clip was cut with (its crop, captions and
    /// pauses already found) in the rendition's format, size and rates, cut exact, stored.
    private func rendition(
        _ number: Int, _ wanted: RenditionOptions, of clipPlan: CutPlan, job: Job, clipIndex: Int, task: TaskRecord,
        scratch: String
    ) async throws -> ClipRendition {
        var plan = clipPlan
        plan.options = clipPlan.options.rendition(wanted)
        plan.output = scratch + "/rendition-\(number).\(wanted.format.fileExtension)"
        plan.cutExact(because: nil)
        // The first pass's motion file went with the clip's render; found again if stabilising.
        plan.stabilizeTransforms = nil
        let prepared = plan
        try await withSource(of: job) { path in
            var plan = prepared
            plan.input = path
            try await cutter.render(plan)
        }
        // A sound-only file has no pictures to probe.
        let figures = wanted.format.readsBack && !wanted.format.isAudioOnly ? try await prober.probe(plan.output) : nil
        let seconds = if let figures { figures.duration } else { try await prober.duration(of: plan) }
        // Stored last: a local store moves the file in.
        let key = try BlobKey(
            "clips/\(job.id)/\(clipIndex)-\(task.attemptName)-r\(number).\(wanted.format.fileExtension)")
        let stored = try await blobs.importFile(at: plan.output, as: key)
        return ClipRendition(
            index: number, format: wanted.format, encoder: plan.encoderName,
            width: figures?.video == nil ? nil : figures?.displaySize.width,
            height: figures?.video == nil ? nil : figures?.displaySize.height,
            duration: seconds, size: stored.size, bitrate: seconds > 0 ? Int(Double(stored.size) * 8 / seconds) : 0,
            sha256: stored.sha256, blobKey: key)
    }

    /// PSNR and SSIM of the stored clip against the source range it was cut from, through the
    /// same picture filters (the crop it was given, its pauses cut, its captions), and its loudness.
    func measureQuality(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media, let index = claimed.task.clipIndex, let spec = job.clipSpec(at: index),
            let clip = try await store.clips(jobId: job.id).first(where: { $0.index == index })
        else {
            throw JobError(code: .internalError, message: "the quality task lost its clip; submit the job again")
        }
        return try await withScratch(claimed.task.attemptName) { scratch in
            let options = job.request.resolvedOutput
            let transcript = clip.captions?.burnedIn != nil ? try await storedTranscript(of: job) : nil
            // The reference wears the same logo and caption font; the clip's intro is skipped, so
            // the intro and outro files are not fetched again.
            let brand =
                job.request.brand == true ? try await brandAssets(of: job, scratch: scratch, bookends: false) : nil
            do {
                let quality = try await withSource(of: job) { source in
                    try await sources.withFile(clip.blobKey) { file in
                        var plan = CutPlan(
                            input: source, output: file, start: spec.start, end: spec.end, options: options,
                            media: media)
                        if let ranges = spec.ranges { plan.join(ranges, crossfade: spec.crossfade) }
                        plan.keptRanges = clip.keptRanges
                        brand?.apply(to: &plan)
                        if clip.reframe?.mode == .face { plan.reframe = clip.reframe }
                        if let transcript {
                            var timeline = clip.timeline
                            timeline.lead = 0 // captions are burned before an intro is joined
                            try ClipPresenter.burnCaptions(
                                transcript, timeline: timeline, into: &plan, scratch: scratch)
                        }
                        return try await qualityMeter.measure(clip: file, plan: plan, skipping: clip.intro)
                    }
                }
                progress(.render, 1)
                return TaskOutcome(qualities: [index: quality])
            } catch let error as MediaError
                where !error.isRetryable || claimed.task.attempts >= claimed.task.maxAttempts
            {
                // The clip is rendered and good; a measurement that cannot be made leaves it unmeasured
                // rather than failing the job.
                return TaskOutcome()
            }
        }
    }

    func storyboard(_ claimed: ClaimedTask) async throws -> TaskOutcome {
        let job = claimed.job
        guard let media = job.media else {
            throw JobError(
                code: .internalError, message: "the storyboard task ran before probing; submit the job again")
        }
        return try await withScratch(claimed.task.attemptName) { scratch in
            let sprite = scratch + "/storyboard.jpg"
            var board = try await withSource(of: job) { path in
                try await thumbnailer.storyboard(of: path, media: media, to: sprite)
            }
            let key = try BlobKey("jobs/\(job.id)/storyboard-\(claimed.task.attemptName).jpg")
            _ = try await blobs.importFile(at: sprite, as: key)
            board.blobKey = key
            return TaskOutcome(storyboard: board)
        }
    }

    /// The still frames the job asked for, stored with a manifest (`FrameSet`) beside the job.
    /// Like the storyboard it reports no progress: the job's stage follows its clips.
    func frames(_ claimed: ClaimedTask) async throws -> TaskOutcome {
        let job = claimed.job
        guard let media = job.media, let request = job.request.frames else {
            throw JobError(code: .internalError, message: "the frames task lost its request; submit the job again")
        }
        var shots: [Double] = []
        if request.byShot {
            guard let analysis = try await store.analysis(jobId: job.id, organizationId: job.organizationId) else {
                throw JobError(
                    code: .internalError, message: "the frames task ran before the analysis; submit the job again")
            }
            shots = analysis.scenes.map { ($0.start + $0.end) / 2 }
        }
        let times = request.times(duration: media.duration, shots: shots)
        let extractor = FrameExtractor(runner: cutter.runner, ffmpegPath: cutter.ffmpegPath, timeout: cutter.timeout)
        return try await withScratch(claimed.task.attemptName) { scratch in
            let files = try await withSource(of: job) { path in
                try await extractor.extract(
                    path, times: times, every: request.every, media: media, format: request.format,
                    width: request.width, into: scratch)
            }
            let (width, height) = FrameExtractor.size(of: media, width: request.width)
            var frames: [FrameSet.Frame] = []
            for (index, (time, file)) in zip(times, files).enumerated() {
                // The attempt's name keeps a late worker's files apart from the winner's.
                let key = try BlobKey(
                    "jobs/\(job.id)/frames/\(index)-\(claimed.task.attemptName).\(request.format.fileExtension)")
                let stored = try await blobs.importFile(at: file, as: key)
                frames.append(
                    FrameSet.Frame(
                        index: index, time: time, width: width, height: height, size: stored.size, blobKey: key))
            }
            let manifest = scratch + "/frames.json"
            try JSONEncoder().encode(FrameSet(format: request.format, frames: frames)).write(
                to: URL(fileURLWithPath: manifest))
            _ = try await blobs.importFile(at: manifest, as: try FrameSet.manifestKey(for: job.id))
            return TaskOutcome()
        }
    }

    /// Removes what killed workers on this host left in the scratch space, and day-old
    /// leftovers; answers the bytes free there.
    @discardableResult
    public func sweepScratch() -> Int64? {
        let root = (scratchDirectory as NSString).deletingLastPathComponent
        ScratchSpace.removeLeftovers(in: root, keeping: (scratchDirectory as NSString).lastPathComponent)
        return ((try? FileManager.default.attributesOfFileSystem(forPath: root))?[.systemFreeSize] as? NSNumber)?
            .int64Value
    }

    /// What earlier attempts of `task` stored and never recorded: a worker killed between storing
    /// a clip and recording it leaves files under its attempt's name that nothing else removes.
    /// (An earlier attempt that still runs is discarded when it ends and removes its own.)
    func removeEarlierAttempts(of task: TaskRecord) async {
        let earlier = (1..<task.attempts).map { "-\(task.id)-\($0)" }
        for prefix in ["clips/\(task.jobId)/", "jobs/\(task.jobId)/"] {
            for key in (try? await blobs.keys(startingWith: prefix)) ?? []
            where earlier.contains(where: { key.rawValue.contains($0 + ".") || key.rawValue.contains($0 + "-r") }) {
                try? await blobs.delete(key)
            }
        }
    }

    /// A directory of `name`'s own inside the scratch space (whose 0700 keeps others out), removed when
    /// `body` ends however it ends: the one way a task gets room for its files.
    func withScratch<T: Sendable>(_ name: String, _ body: (String) async throws -> T) async throws -> T {
        try await ScratchSpace.withDirectory(scratchDirectory + "/" + name, body)
    }

    func withSource<T: Sendable>(of job: Job, _ body: @Sendable (String) async throws -> T) async throws -> T {
        guard let uploadId = job.uploadId,
            let upload = try await store.upload(id: uploadId, organizationId: job.organizationId)
        else {
            throw JobError(code: .sourceMissing, message: "the job's upload was deleted before the job could run")
        }
        do {
            return try await sources.withFile(upload.blobKey, body)
        } catch BlobError.notFound {
            throw JobError(code: .sourceMissing, message: "the upload's stored file is missing; upload it again")
        }
    }
}
