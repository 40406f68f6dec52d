import BlobStorage
import ClipGenCore
import Foundation
import MediaEngine
import Persistence

extension TaskPipeline {
    /// Every clip of a keyframe job, and their posters, from one FFmpeg run over the source
    /// (`CopyPass`); the clips are then stored and recorded together. The run is most of the
    /// work, so it reports 90 % of the progress, the storing the rest.
    func copyPass(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        let job = claimed.job
        let count = (job.request.clips?.count ?? 0) + (job.highlights?.count ?? 0)
        let specs = (0..<count).compactMap { job.clipSpec(at: $0) }
        guard let media = job.media, !specs.isEmpty, specs.count == count else {
            throw JobError(code: .internalError, message: "the copy task lost its clips; submit the job again")
        }
        let options = job.request.resolvedOutput
        let posters = job.request.makesThumbnails
        let exact = job.request.thumbnails?.exact ?? false
        return try await withScratch(claimed.task.attemptName) { scratch in
            let pass = try await withSource(of: job) { path in
                let pass = CopyPass(
                    items: specs.enumerated().map { index, spec in
                        let plan = CutPlan(
                            input: path, output: scratch + "/clip-\(index).mp4", start: spec.start, end: spec.end,
                            options: options, media: media)
                        guard posters else { return CopyPass.Item(plan: plan) }
                        return CopyPass.Item(
                            plan: plan,
                            poster: PosterFrame.choose(
                                in: plan.actualStart...plan.end, keyframes: media.keyframeTimes, exact: exact),
                            posterOutput: scratch + "/poster-\(index).jpg")
                    })
                try await cutter.copy(pass) { progress(.render, 0.9 * $0) }
                return pass
            }
            // Each clip is hashed as it is stored: side by side, one per core, so a pass of many
            // large clips is not stored one hash at a time.
            do {
                let clips = try await withThrowingTaskGroup(of: Clip.self) { group in
                    var clips: [Clip] = []
                    func stored(_ clip: Clip) {
                        clips.append(clip)
                        progress(.render, 0.9 + 0.1 * Double(clips.count) / Double(pass.items.count))
                    }
                    let lanes = max(2, ProcessInfo.processInfo.activeProcessorCount)
                    for (index, item) in pass.items.enumerated() {
                        if index >= lanes, let clip = try await group.next() { stored(clip) }
                        group.addTask {
                            try await storeCopied(item, spec: specs[index], index: index, job: job, task: claimed.task)
                        }
                    }
                    for try await clip in group { stored(clip) }
                    return clips.sorted { $0.index < $1.index }
                }
                try Task.checkCancellation()
                return TaskOutcome(clips: clips)
            } catch {
                // What this attempt stored goes when it ends without its clips.
                for index in pass.items.indices {
                    for file in ["mp4", "jpg"] {
                        if let key = try? Self.copiedKey(index, file, job, claimed.task) {
                            try? await blobs.delete(key)
                        }
                    }
                }
                throw error
            }
        }
    }

    /// One clip of a copy pass (and its poster) stored and recorded.
    private func storeCopied(_ item: CopyPass.Item, spec: ClipSpec, index: Int, job: Job, task: TaskRecord)
        async throws -> Clip
    {
        let plan = item.plan
        let duration = try await prober.duration(of: plan)
        var posterKey: BlobKey?
        if let poster = item.posterOutput {
            let key = try Self.copiedKey(index, "jpg", job, task)
            _ = try await blobs.importFile(at: poster, as: key)
            posterKey = key
        }
        let key = try Self.copiedKey(index, "mp4", job, task)
        let file = try await blobs.importFile(at: plan.output, as: key)
        return Clip(
            jobId: job.id, organizationId: job.organizationId, index: index, name: spec.name, start: spec.start,
            end: plan.end, actualStart: plan.actualStart, duration: duration, format: plan.options.format,
            modeUsed: plan.mode, fallbackReason: plan.fallbackReason, size: file.size, sha256: file.sha256,
            blobKey: key, score: spec.score, loudnessLUFS: nil, encoder: plan.encoderName, thumbnailKey: posterKey,
            reason: spec.reason, presentation: ClipPresentation(), createdAt: clock.now())
    }

    /// Where clip `index` of a copy pass (`mp4`) and its poster (`jpg`) are stored: named by the
    /// attempt's task, so a late worker that lost its lease removes only its own files.
    static func copiedKey(_ index: Int, _ fileExtension: String, _ job: Job, _ task: TaskRecord) throws -> BlobKey {
        try BlobKey("clips/\(job.id)/\(index)-\(task.attemptName).\(fileExtension)")
    }
}
