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
            if bounds?.count == merging,
                let segments = try await storedParts(AnalysisSegment.self, count: merging, key: segmentKey(job.id))
            {
                // Segments that do not line up (a decoder that does not restart cleanly at a
                // keyframe) throw: the source is then analysed whole below.
                merged = try? MediaAnalyzer.merge(
                    segments, media: media, highlights: job.request.highlights, transcript: transcript)
            }
            await removeParts(count: merging, key: segmentKey(job.id))
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
            try await storePart(segment, of: job, through: scratch, as: segmentKey(job.id)(index))
        }
        var outcome = TaskOutcome()
        outcome.preliminaryHighlights = await preliminaryHighlights(
            of: job, media: media, count: bounds.count, adding: segment)
        return outcome
    }

    /// When `segment` extends the run of measured segments from the source's start (and the job
    /// asked for highlights), the highlights of that start: a first look while the rest is
    /// measured. Best effort: a segment missing or unreadable means none.
    private func preliminaryHighlights(of job: Job, media: MediaInfo, count: Int, adding segment: AnalysisSegment)
        async -> (highlights: [Highlight], analysedSeconds: Double)?
    {
        guard let request = job.request.highlights else { return nil }
        var start: [AnalysisSegment] = []
        for index in 0..<count {
            if index == segment.bounds.index {
                start.append(segment)
            } else if let key = try? segmentKey(job.id)(index), let data = try? await blobs.contents(of: key),
                let stored = try? JSONDecoder().decode(AnalysisSegment.self, from: data)
            {
                start.append(stored)
            } else {
                break
            }
        }
        // All there: the merge follows at once. Not reaching this segment: nothing new to show.
        guard start.count < count, start.count > segment.bounds.index else { return nil }
        let transcript = job.request.needsTranscript ? try? await storedTranscript(of: job) : nil
        guard
            let analysis = try? MediaAnalyzer.mergeStart(
                start, media: media, highlights: request, transcript: transcript),
            let end = start.last?.bounds.endFrame, let fps = media.video?.fps
        else { return nil }
        return (analysis.highlights, Double(end) / fps)
    }

    /// Where the analysis segments of `job` are kept, by number.
    func segmentKey(_ job: JobID) -> (Int) throws -> BlobKey {
        { index in try BlobKey("jobs/\(job)/analysis-segments/\(index).json") }
    }

    /// Stores one part of a split task for the task that joins them.
    func storePart(_ part: some Encodable, of job: Job, through scratch: String, as key: BlobKey) async throws {
        let file = scratch + "/part.json"
        try JSONEncoder().encode(part).write(to: URL(fileURLWithPath: file))
        _ = try await blobs.importFile(at: file, as: key)
        // Deleting a job removes its row, then lists its files: a part stored after that listing
        // would stay for ever, so the part's maker removes it once it sees the job gone.
        if try await store.job(id: job.id, organizationId: job.organizationId) == nil {
            try? await blobs.delete(key)
        }
    }

    /// The `count` stored parts of a split task (`key` names part i), or nil when one is missing.
    func storedParts<Part: Decodable>(_ type: Part.Type, count: Int, key: (Int) throws -> BlobKey) async throws
        -> [Part]?
    {
        var parts: [Part] = []
        for index in 0..<count {
            do {
                parts.append(try JSONDecoder().decode(Part.self, from: try await blobs.contents(of: key(index))))
            } catch BlobError.notFound {
                return nil
            } catch is DecodingError {
                return nil
            }
        }
        return parts
    }

    /// Removes a split task's parts: working files, once joined.
    func removeParts(count: Int, key: (Int) throws -> BlobKey) async {
        for index in 0..<count {
            if let key = try? key(index) { try? await blobs.delete(key) }
        }
    }
}
