import ClipGenCore
import Foundation
import Testing

/// The workflow is pure, so every decision is checked here without a store or a worker.
@Suite struct JobWorkflowTests {
    let workflow = JobWorkflow(retry: RetryPolicy(maxAttempts: 4, baseSeconds: 2))

    func job(
        clips: Int = 2, highlights: Int? = nil, thumbnails: Bool? = nil, mode: CutMode = .smart, quality: Bool? = nil
    ) -> Job {
        var request = JobRequest(
            source: .init(uploadId: .make()), clips: (0..<clips).map { .init(start: Double($0), end: Double($0) + 1) },
            output: OutputOptions(mode: mode))
        request.highlights = highlights.map { .init(count: $0) }
        request.thumbnails = thumbnails.map { ThumbnailOptions(enabled: $0) }
        request.quality = quality
        return Job(organizationId: "o", ownerId: "u", request: request, createdAt: Date())
    }

    func kinds(_ tasks: [TaskRecord]) -> [String] {
        tasks.map { "\($0.kind.rawValue)\($0.clipIndex.map(String.init) ?? "")" }
    }

    @Test func aJobStartsByProbingWithTheRetryBudget() {
        let job = job()
        let first = workflow.firstTask(for: job)
        #expect(first.kind == .probe && first.capability == .cpu && first.maxAttempts == 4 && first.jobId == job.id)
    }

    @Test func probingPlansTheStoryboardSecondBesideRendersOrTheAnalysis() {
        let probe = TaskRecord(jobId: "j", kind: .probe, maxAttempts: 4)
        // A lone worker makes the first clip before the storyboard; two make them side by side.
        #expect(kinds(workflow.nextTasks(after: probe, of: job())) == ["render0", "thumbnails", "render1"])
        #expect(kinds(workflow.nextTasks(after: probe, of: job(thumbnails: false))) == ["render0", "render1"])
        #expect(kinds(workflow.nextTasks(after: probe, of: job(highlights: 3))) == ["analyze", "thumbnails"])
        let analyze = TaskRecord(jobId: "j", kind: .analyze, maxAttempts: 4)
        #expect(
            kinds(workflow.nextTasks(after: analyze, of: job(highlights: 3), highlights: 2)) == [
                "render0", "render1", "render2", "render3",
            ])
    }

    @Test func aRenderIsMeasuredUnlessTheJobSaysOtherwise() {
        let render = TaskRecord(jobId: "j", kind: .render, clipIndex: 1, maxAttempts: 4)
        #expect(kinds(workflow.nextTasks(after: render, of: job())) == ["quality1"])
        #expect(
            workflow.nextTasks(after: render, of: job(mode: .keyframe)).isEmpty,
            "keyframe clips are the source's own packets")
        #expect(workflow.nextTasks(after: render, of: job(quality: false)).isEmpty)
        #expect(
            workflow.nextTasks(after: TaskRecord(jobId: "j", kind: .quality, clipIndex: 1, maxAttempts: 4), of: job())
                .isEmpty)
    }

    @Test func keyframeClipsAreCopiedInOnePassThatIsMeasuredClipByClip() {
        let probe = TaskRecord(jobId: "j", kind: .probe, maxAttempts: 4)
        #expect(
            kinds(workflow.nextTasks(after: probe, of: job(clips: 3, mode: .keyframe))) == ["render", "thumbnails"])
        let analyze = TaskRecord(jobId: "j", kind: .analyze, maxAttempts: 4)
        #expect(
            kinds(workflow.nextTasks(after: analyze, of: job(clips: 0, highlights: 3, mode: .keyframe), highlights: 2))
                == ["render"])
        #expect(
            workflow.nextTasks(after: analyze, of: job(clips: 0, highlights: 3, mode: .keyframe), highlights: 0)
                .isEmpty, "no clip, no pass")
        let pass = TaskRecord(jobId: "j", kind: .render, maxAttempts: 4)
        #expect(
            kinds(workflow.nextTasks(after: pass, of: job(clips: 3, mode: .keyframe, quality: true), clips: [0, 1, 2]))
                == ["quality0", "quality1", "quality2"])
        #expect(workflow.nextTasks(after: pass, of: job(clips: 3, mode: .keyframe), clips: [0, 1, 2]).isEmpty)

        // Anything that makes a clip its own render keeps a task per clip.
        var joined = job(clips: 1, mode: .keyframe)
        joined.request.clips = [.init(ranges: [.init(start: 0, end: 1), .init(start: 2, end: 3)])]
        var chapters = job(clips: 2, mode: .keyframe)
        chapters.request.chapters = true
        var renditions = job(clips: 2, mode: .keyframe)
        renditions.request.output?.renditions = [RenditionOptions(format: .webm)]
        for job in [joined, chapters, renditions] {
            #expect(!job.request.copiesInOnePass)
        }
        #expect(job(mode: .keyframe).request.copiesInOnePass && !job(mode: .smart).request.copiesInOnePass)
    }

    @Test func eachTaskSetsTheStageOfWhatFollowsIt() {
        #expect(
            workflow.stage(after: .analyze, of: job()) == .render
                && workflow.stage(after: .render, of: job()) == .render)
        #expect(
            workflow.stage(after: .probe, of: job(highlights: 1)) == .analyze
                && workflow.stage(after: .probe, of: job()) == .render)
        #expect(workflow.stage(after: .thumbnails, of: job()) == nil, "a storyboard is made beside whatever else runs")
    }

    @Test func progressWeighsProbingAnalysisAndRenders() {
        #expect(workflow.progress(of: [.init(kind: .probe, fraction: 0.9)]) == 0)
        #expect(
            workflow.progress(of: [.init(kind: .probe, fraction: 1), .init(kind: .thumbnails, fraction: 1)]) == 0.05)
        let analysing = workflow.progress(of: [.init(kind: .probe, fraction: 1), .init(kind: .analyze, fraction: 0.5)])
        #expect(abs(analysing - (0.05 + 0.175)) < 1e-12)
        let rendering = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .render, fraction: 1), .init(kind: .render, fraction: 0),
        ])
        #expect(abs(rendering - (0.05 + 0.95 / 2)) < 1e-12)
        let all = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .analyze, fraction: 1), .init(kind: .render, fraction: 1),
        ])
        #expect(all == 0.999, "only the store's last-task rule makes a job 1")
    }

    @Test func aSplitAnalysisQueuesASegmentTaskEachAndTheLastToFinishQueuesTheMerge() {
        let job = job(clips: 1, highlights: 2)
        let plan = TaskRecord(jobId: job.id, kind: .analyze, maxAttempts: 4)
        let segments = workflow.nextTasks(after: plan, of: job, segments: 3)
        #expect(kinds(segments) == ["segment0", "segment1", "segment2"])
        #expect(segments.allSatisfy { $0.capability == .cpu && $0.fallback == nil && $0.maxAttempts == 4 })
        #expect(workflow.stage(after: .analyze, of: job, segments: 3) == .analyze, "still analysing")
        #expect(workflow.stage(after: .segment, of: job) == .analyze)
        #expect(workflow.nextTasks(after: segments[1], of: job, segments: 3, unfinishedSegments: 1).isEmpty)
        #expect(
            kinds(workflow.nextTasks(after: segments[0], of: job, segments: 3, unfinishedSegments: 0)) == ["analyze3"])
        let merge = TaskRecord(jobId: job.id, kind: .analyze, clipIndex: 3, maxAttempts: 4)
        #expect(kinds(workflow.nextTasks(after: merge, of: job, highlights: 2)) == ["render0", "render1", "render2"])
        #expect(workflow.stage(after: .analyze, of: job) == .render)
    }

    @Test func eachFinishedSegmentMovesTheAnalysisShare() {
        let before = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .analyze, fraction: 1), .init(kind: .segment, fraction: 0),
            .init(kind: .segment, fraction: 0),
        ])
        let one = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .analyze, fraction: 1), .init(kind: .segment, fraction: 1),
            .init(kind: .segment, fraction: 0),
        ])
        #expect(abs(before - (0.05 + 0.35 / 3)) < 1e-12 && abs(one - (0.05 + 0.35 * 2 / 3)) < 1e-12)
    }

    @Test func aSplitTranscriptionQueuesAPartEachAndTheLastToFinishQueuesTheJoinThenTheAnalysis() {
        var job = job(clips: 0, highlights: 2)
        job.request.transcribe = true
        let split = TaskRecord(jobId: job.id, kind: .transcribe, maxAttempts: 4)
        let parts = workflow.nextTasks(after: split, of: job, segments: 2)
        #expect(kinds(parts) == ["speech_segment0", "speech_segment1"])
        #expect(parts.allSatisfy { $0.capability == .cpu && $0.fallback == nil && $0.maxAttempts == 4 })
        #expect(workflow.stage(after: .transcribe, of: job, segments: 2) == .transcribe, "still transcribing")
        #expect(workflow.stage(after: .speechSegment, of: job) == .transcribe)
        #expect(workflow.nextTasks(after: parts[0], of: job, segments: 2, unfinishedSegments: 1).isEmpty)
        #expect(
            kinds(workflow.nextTasks(after: parts[1], of: job, segments: 2, unfinishedSegments: 0)) == ["transcribe2"])
        let join = TaskRecord(jobId: job.id, kind: .transcribe, clipIndex: 2, maxAttempts: 4)
        #expect(kinds(workflow.nextTasks(after: join, of: job)) == ["analyze"])
        #expect(workflow.stage(after: .transcribe, of: job) == .analyze)
        // The words' share moves with each finished part.
        let before = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .transcribe, fraction: 1),
            .init(kind: .speechSegment, fraction: 0), .init(kind: .speechSegment, fraction: 0),
        ])
        let one = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .transcribe, fraction: 1),
            .init(kind: .speechSegment, fraction: 1), .init(kind: .speechSegment, fraction: 0),
        ])
        #expect(abs(before - (0.05 + 0.2 / 3)) < 1e-12 && abs(one - (0.05 + 0.2 * 2 / 3)) < 1e-12)
    }

    @Test func retriesBackOffExponentiallyAndStop() {
        let delays = (1...4).map { workflow.retry.delay(afterAttempt: $0, maxAttempts: 4, retryable: true) }
        #expect(delays == [2, 4, 8, nil])
        #expect(workflow.retry.delay(afterAttempt: 1, maxAttempts: 4, retryable: false) == nil)
        #expect(
            workflow.retry.delay(afterAttempt: 1_000, maxAttempts: Int.max, retryable: true)?.isFinite == true,
            "no overflow")
    }
}

@Suite struct TaskPlacementTests {
    @Test func rendersAndFramesPreferGPUWorkersAndEverythingElseStaysOnCPU() {
        let job = Job(
            organizationId: "o", ownerId: "u",
            request: JobRequest(source: .init(uploadId: "up"), clips: [.init(start: 0, end: 1)]), createdAt: Date())
        let next = JobWorkflow().nextTasks(after: TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 1), of: job)
        let render = next.first { $0.kind == .render }
        let storyboard = next.first { $0.kind == .thumbnails }
        #expect(render?.capability == .gpu && render?.fallback == .cpu)
        #expect(storyboard?.capability == .gpu && storyboard?.fallback == .cpu)
        #expect(
            JobWorkflow().firstTask(for: job).capability == .cpu && JobWorkflow().firstTask(for: job).fallback == nil)
        for kind in [TaskKind.analyze, .quality, .transcribe] { #expect(kind.placement == .only(.cpu)) }
    }
}
