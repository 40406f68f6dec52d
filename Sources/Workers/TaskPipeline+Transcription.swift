import BlobStorage
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Persistence

/// A source's words, made once per upload: a transcript an earlier job made is reused. A long
/// source's transcription is split like its analysis: the first `transcribe` task splits it
/// (longer than `analysisSegmentSeconds`, with sound), a `speechSegment` task per part
/// transcribes that part and stores it, and the `transcribe` task after the last part (its
/// `clipIndex` is the number of parts) joins them. A killed worker loses only the part it held;
/// parts missing or not matching the split mean one whole pass instead.
extension TaskPipeline {
    func transcribe(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media, let uploadId = job.uploadId else {
            throw JobError(
                code: .internalError, message: "the transcribe task ran before probing; submit the job again")
        }
        let key = try Transcript.blobKey(for: uploadId)
        let segments = SpeechRecognizer.segments(of: media, length: analysisSegmentSeconds)
        if try await blobs.size(of: key) != nil {
            if let joining = claimed.task.clipIndex { await removeParts(count: joining, key: speechSegmentKey(job.id)) }
            progress(.transcribe, 1)
            return TaskOutcome()
        }
        if claimed.task.clipIndex == nil, let segments { return TaskOutcome(segments: segments.count) }
        return try await withScratch(claimed.task.attemptName) { scratch in
            var transcript: Transcript?
            if let joining = claimed.task.clipIndex {
                if let segments, segments.count == joining,
                    let parts = try await storedParts(Transcript.self, count: joining, key: speechSegmentKey(job.id))
                {
                    transcript = try? SpeechRecognizer.merge(parts, segments: segments, media: media)
                }
                await removeParts(count: joining, key: speechSegmentKey(job.id))
            }
            if transcript == nil {
                transcript = try await withSource(of: job) { path in
                    try await speech.transcribe(path, media: media, scratch: scratch) { fraction in
                        progress(.transcribe, fraction)
                    }
                }
            }
            let file = scratch + "/transcript-final.json"
            try JSONEncoder().encode(transcript).write(to: URL(fileURLWithPath: file))
            _ = try await blobs.importFile(at: file, as: key)
            progress(.transcribe, 1)
            return TaskOutcome()
        }
    }

    /// Transcribes the part the task names and stores it for the join.
    func transcribeSegment(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void)
        async throws -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media, let index = claimed.task.clipIndex else {
            throw JobError(
                code: .internalError, message: "the speech segment task ran before probing; submit the job again")
        }
        // Split with another length by another worker: the join sees the parts do not match
        // and transcribes the source whole.
        guard let segments = SpeechRecognizer.segments(of: media, length: analysisSegmentSeconds),
            index < segments.count
        else { return TaskOutcome() }
        return try await withScratch(claimed.task.attemptName) { scratch in
            let part = try await withSource(of: job) { path in
                try await speech.transcribe(path, media: media, segment: segments[index], scratch: scratch) {
                    fraction in
                    progress(.transcribe, fraction)
                }
            }
            try await storePart(part, of: job, through: scratch, as: speechSegmentKey(job.id)(index))
            return TaskOutcome()
        }
    }

    /// Where the transcript parts of `job` are kept, by number.
    func speechSegmentKey(_ job: JobID) -> (Int) throws -> BlobKey {
        { index in try BlobKey("jobs/\(job)/transcript-segments/\(index).json") }
    }
}
