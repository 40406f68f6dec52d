import BlobStorage
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Persistence

/// A long source's analysis across workers: the first `analyze` task splits it (when it is longer
/// than `analysisSegmentSeconds` and can be split at keyframes), a `segment` task per part
/// measures that part and stores it, and the `analyze` task after the last segment (its
/// `clipIndex` is the number of segments) merges them. A killed worker loses only the segment it
/// held; segments that do not line up, or are missing, mean one whole pass instead.
extension TaskPipeline {
    func analyze(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void) async throws
        -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media else {
            throw JobError(code: .internalError, message: "the analyze task ran before probing; submit the job again")
        }
        let bounds = MediaAnalyzer.segments(of: media, length: analysisSegmentSeconds)
        if claimed.task.clipIndex == nil, let bounds { return TaskOutcome(segments: bounds.count) }
        let transcript = job.request.needsTranscript ? try await storedTranscript(of: job) : nil
        if let merging = claimed.task.clipIndex {
            var merged: Analysis?
            if bounds?.count == merging, let segments = try await storedSegments(of: job, count: merging) {
                // Segments that do not line up (a decoder that does not restart cleanly at a
                // keyframe) throw: the source is then analysed whole below.
                merged = try? MediaAnalyzer.merge(
                    segments, media: media, highlights: job.request.highlights, transcript: transcript)
            }
            await removeSegments(of: job, count: merging)
            if let merged {
                progress(.analyze, 1)
                return TaskOutcome(analysis: merged)
            }
        }
        let analysis = try await withSource(of: job) { path in
            try await analyzer.analyze(path, media: media, highlights: job.request.highlights, transcript: transcript) {
                fraction in
                progress(.analyze, fraction)
            }
        }
        return TaskOutcome(analysis: analysis)
    }

    /// Measures the segment the task names and stores it for the merge.
    func measureSegment(_ claimed: ClaimedTask, progress: @escaping @Sendable (JobStage, Double) -> Void)
        async throws -> TaskOutcome
    {
        let job = claimed.job
        guard let media = job.media, let index = claimed.task.clipIndex else {
            throw JobError(code: .internalError, message: "the segment task ran before probing; submit the job again")
        }
        // Split with another length by another worker: nothing to measure here, the merge
        // sees the segments do not match and analyses the source whole.
        guard let bounds = MediaAnalyzer.segments(of: media, length: analysisSegmentSeconds), index < bounds.count
        else { return TaskOutcome() }
        let segment = try await withSource(of: job) { path in
            try await analyzer.measure(path, media: media, segment: bounds[index]) { fraction in
                progress(.analyze, fraction)
            }
        }
        try await withScratch(claimed.task.attemptName) { scratch in
            let file = scratch + "/segment.json"
            try JSONEncoder().encode(segment).write(to: URL(fileURLWithPath: file))
            _ = try await blobs.importFile(at: file, as: try Self.segmentKey(job.id, index))
        }
        return TaskOutcome()
    }

    static func segmentKey(_ job: JobID, _ index: Int) throws -> BlobKey {
        try BlobKey("jobs/\(job)/analysis-segments/\(index).json")
    }

    /// All `count` stored segments of the job's analysis, or nil when one is missing.
    private func storedSegments(of job: Job, count: Int) async throws -> [AnalysisSegment]? {
        var segments: [AnalysisSegment] = []
        for index in 0..<count {
            do {
                let data = try await blobs.contents(of: Self.segmentKey(job.id, index))
                segments.append(try JSONDecoder().decode(AnalysisSegment.self, from: data))
            } catch BlobError.notFound {
                return nil
            } catch is DecodingError {
                return nil
            }
        }
        return segments
    }

    private func removeSegments(of job: Job, count: Int) async {
        for index in 0..<count {
            if let key = try? Self.segmentKey(job.id, index) { try? await blobs.delete(key) }
        }
    }
}
