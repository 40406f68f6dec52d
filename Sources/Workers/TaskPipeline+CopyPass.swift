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
        return try await withScratch(claimed.task.id.rawValue) { scratch in
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
            var stored: [BlobKey] = []
            do {
                var clips: [Clip] = []
                for (index, item) in pass.items.enumerated() {
                    let plan = item.plan
                    let spec = specs[index]
                    let duration = try await prober.duration(of: plan)
                    var posterKey: BlobKey?
                    if let poster = item.posterOutput {
                        let key = try BlobKey("clips/\(job.id)/\(index)-\(claimed.task.id).jpg")
                        _ = try await blobs.importFile(at: poster, as: key)
                        stored.append(key)
                        posterKey = key
                    }
                    let key = try BlobKey("clips/\(job.id)/\(index)-\(claimed.task.id).mp4")
                    let file = try await blobs.importFile(at: plan.output, as: key)
                    stored.append(key)
                    clips.append(
                        Clip(
                            jobId: job.id, organizationId: job.organizationId, index: index, name: spec.name,
                            start: spec.start, end: plan.end, actualStart: plan.actualStart, duration: duration,
                            format: options.format, modeUsed: plan.mode, fallbackReason: plan.fallbackReason,
                            size: file.size, sha256: file.sha256, blobKey: key, score: spec.score, loudnessLUFS: nil,
                            encoder: plan.encoderName, thumbnailKey: posterKey, reason: spec.reason,
                            presentation: ClipPresentation(), createdAt: clock.now()))
                    progress(.render, 0.9 + 0.1 * Double(index + 1) / Double(pass.items.count))
                }
                try Task.checkCancellation()
                return TaskOutcome(clips: clips)
            } catch {
                // What this attempt stored goes when it ends without its clips.
                for key in stored { try? await blobs.delete(key) }
                throw error
            }
        }
    }
}
