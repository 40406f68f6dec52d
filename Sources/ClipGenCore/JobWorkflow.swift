/// What a job is made of: its first task, the tasks that follow each finished one, the stage
/// the job enters after each, how far along it is, and the retry policy. Pure: the API submits
/// with it, and `JobTransitions` (in Persistence) consults it for every change to a job.
public struct JobWorkflow: Sendable, Equatable {
    public var retry: RetryPolicy

    public init(retry: RetryPolicy = RetryPolicy()) {
        self.retry = retry
    }

    /// Every job starts by probing its source, except a re-render, which was given its job's probe.
    public func firstTask(for job: Job) -> TaskRecord {
        job.request.rerender != nil && job.media != nil ? task(job, .render, clipIndex: 0) : task(job, .probe)
    }

    /// What follows a finished task. `highlights` is how many the analysis picked (for `analyze`);
    /// `clips` the indices of the clips the task made (for a copy pass, which made them all);
    /// `segments` how many parts the source's analysis or transcription was split into (by the
    /// `analyze` or `transcribe` task that finished, or for a `segment` or `speechSegment`, in
    /// all), `unfinishedSegments` how many of the finished task's kind are still to finish.
    ///
    /// After probing, the storyboard is queued second: it is the longest single task of a short
    /// job, so it runs beside the renders instead of after them, yet a lone worker still takes
    /// the first clip (or the analysis) before it, so the first `clip.ready` does not wait for it.
    /// A job that needs its source's words transcribes next; an analysing job renders after the
    /// analysis, which decides the highlight clips (using the words); each render is followed by
    /// its quality measurement when the job asks for one.
    ///
    /// A long source's analysis is split by the worker that takes it (only a worker knows the
    /// keyframes and its segment length): its `analyze` task then queues a `segment` task per
    /// part, any worker takes them, and the last to finish queues the `analyze` task that merges
    /// them (its `clipIndex` is how many there are). A long source's transcription splits the same
    /// way, into `speechSegment` tasks merged by a second `transcribe` task.
    public func nextTasks(
        after finished: TaskRecord, of job: Job, highlights: Int = 0, clips: [Int] = [], segments: Int = 0,
        unfinishedSegments: Int = 0
    ) -> [TaskRecord] {
        let explicitClips = job.request.clips?.count ?? 0
        switch finished.kind {
        case .probe:
            let storyboard = job.request.makesThumbnails ? [task(job, .thumbnails)] : []
            // Frames at given times need only the probe; one per shot waits for the analysis.
            let frames = job.request.frames.map { $0.byShot ? [] : [task(job, .frames)] } ?? []
            let next = job.request.needsTranscript ? [task(job, .transcribe)] : afterWords(job, explicitClips)
            return Array(next.prefix(1)) + storyboard + frames + Array(next.dropFirst())
        case .transcribe where segments > 0:
            return (0..<segments).map { task(job, .speechSegment, clipIndex: $0) }
        case .speechSegment:
            return unfinishedSegments == 0 ? [task(job, .transcribe, clipIndex: segments)] : []
        case .transcribe:
            return afterWords(job, explicitClips)
        case .analyze where segments > 0:
            return (0..<segments).map { task(job, .segment, clipIndex: $0) }
        case .segment:
            return unfinishedSegments == 0 ? [task(job, .analyze, clipIndex: segments)] : []
        case .analyze:
            let frames = job.request.frames?.byShot == true ? [task(job, .frames)] : []
            return frames + renders(job, count: explicitClips + highlights)
        case .render:
            guard job.request.measuresQuality else { return [] }
            return (finished.clipIndex.map { [$0] } ?? clips).map { task(job, .quality, clipIndex: $0) }
        case .thumbnails, .quality, .frames:
            return []
        }
    }

    /// The analysis when the job analyses, else its renders.
    private func afterWords(_ job: Job, _ explicitClips: Int) -> [TaskRecord] {
        job.request.needsAnalysis ? [task(job, .analyze)] : renders(job, count: explicitClips)
    }

    /// The stage a job enters when a task of `kind` finishes and the job goes on; nil keeps it.
    public func stage(after kind: TaskKind, of job: Job, segments: Int = 0) -> JobStage? {
        switch kind {
        case .analyze where segments > 0, .segment: .analyze
        case .transcribe where segments > 0, .speechSegment: .transcribe
        case .probe: job.request.needsTranscript ? .transcribe : job.request.needsAnalysis ? .analyze : .render
        case .transcribe: job.request.needsAnalysis ? .analyze : .render
        case .analyze, .render, .quality: .render
        case .thumbnails, .frames: nil
        }
    }

    /// How far a job is, from its tasks: probing is the first 5 %; transcribing, when the job
    /// needs words, the next 20 %; analysing, when the job analyses, 35 % (each shared equally by
    /// its tasks and the segments of a split one, so each finished segment shows); the
    /// renders and quality measurements share the rest equally. Storyboards and frames do not count.
    /// Never 1 until the job has succeeded.
    public func progress(of tasks: [TaskProgress]) -> Double {
        var progress = tasks.contains { $0.kind == .probe && $0.fraction >= 1 } ? 0.05 : 0
        var share = 0.95
        let words = tasks.filter { $0.kind == .transcribe || $0.kind == .speechSegment }
        if !words.isEmpty {
            progress += 0.2 * words.map(\.fraction).reduce(0, +) / Double(words.count)
            share -= 0.2
        }
        let analysis = tasks.filter { $0.kind == .analyze || $0.kind == .segment }
        if !analysis.isEmpty {
            progress += 0.35 * analysis.map(\.fraction).reduce(0, +) / Double(analysis.count)
            share -= 0.35
        }
        let renders = tasks.filter { $0.kind == .render || $0.kind == .quality }
        if !renders.isEmpty {
            progress += share * renders.map(\.fraction).reduce(0, +) / Double(renders.count)
        }
        return min(progress, 0.999)
    }

    private func task(_ job: Job, _ kind: TaskKind, clipIndex: Int? = nil) -> TaskRecord {
        TaskRecord(
            jobId: job.id, kind: kind, capability: kind.placement.preferred, fallback: kind.placement.fallback,
            clipIndex: clipIndex, maxAttempts: retry.maxAttempts)
    }

    /// A render task per clip, or one without a clip index that copies them all in one pass.
    private func renders(_ job: Job, count: Int) -> [TaskRecord] {
        if job.request.copiesInOnePass { return count > 0 ? [task(job, .render)] : [] }
        return (0..<count).map { task(job, .render, clipIndex: $0) }
    }
}

/// One task's share of a job's progress: its kind and how far it is (1 when done).
public struct TaskProgress: Sendable, Equatable {
    public var kind: TaskKind
    public var fraction: Double

    public init(kind: TaskKind, fraction: Double) {
        self.kind = kind
        self.fraction = fraction
    }
}
