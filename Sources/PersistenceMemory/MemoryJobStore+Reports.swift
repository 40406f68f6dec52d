import ClipGenCore
import Foundation
import Persistence
import Synchronization

/// The same reports as the SQL stores, computed in Swift over the state.
extension MemoryJobStore {
    public func analytics(_ scope: ReportScope, groupBy: AnalyticsGrouping) async throws -> AnalyticsReport {
        let (jobs, tasks, clips) = state.withLock { state in
            let jobs = state.jobs.values.filter { Self.covers(scope, $0) }
            let ids = Set(jobs.map(\.id))
            return (
                jobs, state.tasks.values.filter { ids.contains($0.record.jobId) },
                state.clips.values.filter { ids.contains($0.jobId) }
            )
        }
        let created = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0.createdAt.timeIntervalSince1970) })
        func figures(bucket: (Double) -> Double) -> [Double: AnalyticsFigures] {
            var figures: [Double: AnalyticsFigures] = [:]
            for job in jobs {
                let key = bucket(job.createdAt.timeIntervalSince1970)
                figures[key, default: AnalyticsFigures()].jobs[job.status.rawValue, default: 0] += 1
                if job.status == .succeeded {
                    figures[key, default: AnalyticsFigures()].mediaMinutes += (job.source?.duration ?? 0) / 60
                }
                if job.status == .failed {
                    figures[key, default: AnalyticsFigures()].failures[
                        job.error?.code.rawValue ?? "unknown", default: 0] += 1
                }
            }
            for clip in clips {
                let key = bucket(created[clip.jobId] ?? 0)
                figures[key, default: AnalyticsFigures()].clips += 1
                figures[key, default: AnalyticsFigures()].clipMinutes += clip.duration / 60
            }
            var times: [Double: [String: [Double]]] = [:]
            for task in tasks where task.status == .done {
                guard let started = task.startedAt, let finished = task.finishedAt else { continue }
                times[bucket(created[task.record.jobId] ?? 0), default: [:]][task.record.kind.rawValue, default: []]
                    .append(finished - started)
            }
            for (key, stages) in times {
                figures[key, default: AnalyticsFigures()].processingSeconds = stages.compactMapValues(Distribution.init)
            }
            return figures
        }
        let totals = figures { _ in 0 }[0] ?? AnalyticsFigures()
        guard let width = groupBy.seconds else { return AnalyticsReport(totals: totals, buckets: []) }
        return AnalyticsReport(
            totals: totals,
            buckets: figures { ($0 / width).rounded(.down) * width }.sorted { $0.key < $1.key }.map {
                AnalyticsBucket(start: Date(timeIntervalSince1970: $0.key), figures: $0.value)
            })
    }

    public func quality(_ scope: ReportScope, thresholds: QualityThresholds) async throws -> QualityReport {
        let clips = state.withLock { state in
            state.clips.values.filter { clip in state.jobs[clip.jobId].map { Self.covers(scope, $0) } ?? false }
        }
        let figures = clips.map {
            ClipQualityFigures(
                clipId: $0.id, jobId: $0.jobId, psnr: $0.quality?.psnr, ssim: $0.quality?.ssim,
                loudnessLUFS: $0.quality?.loudnessLUFS ?? $0.loudnessLUFS)
        }
        let below = figures.filter {
            ($0.psnr.map { $0 < thresholds.psnr } ?? false) || ($0.ssim.map { $0 < thresholds.ssim } ?? false)
        }
        .sorted { ($0.psnr ?? 1000, $0.clipId.rawValue) < ($1.psnr ?? 1000, $1.clipId.rawValue) }
        let fallbacks = clips.filter { $0.fallbackReason != nil }
            .sorted { ($1.createdAt, $0.id.rawValue) < ($0.createdAt, $1.id.rawValue) }
        return QualityReport(
            clips: clips.count, psnr: Distribution(figures.compactMap(\.psnr)),
            ssim: Distribution(figures.compactMap(\.ssim)),
            loudnessLUFS: Distribution(figures.compactMap(\.loudnessLUFS)),
            belowThresholds: Array(below.prefix(QualityReport.listLimit)),
            fallbacksByReason: Dictionary(grouping: fallbacks, by: { $0.fallbackReason ?? "" }).mapValues(\.count),
            fallbacks: fallbacks.prefix(QualityReport.listLimit).map {
                ClipFallback(clipId: $0.id, jobId: $0.jobId, reason: $0.fallbackReason ?? "")
            })
    }

    public func queueStatistics() async throws -> [QueueStatistics] {
        let now = self.now
        return state.withLock { state in
            Dictionary(grouping: state.tasks.values.filter { $0.status == .queued }, by: \.record.capability).map {
                capability, tasks in
                QueueStatistics(
                    capability: capability, queued: tasks.count,
                    oldestDueSince: tasks.map(\.availableAt).filter { $0 <= now }.min().map(
                        Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func storedBytes() async throws -> Int64 {
        state.withLock { state in
            var files: [BlobKey: Int64] = [:]
            for upload in state.uploads.values { files[upload.blobKey] = max(files[upload.blobKey] ?? 0, upload.size) }
            return files.values.reduce(0, +) + state.clips.values.reduce(Int64(0)) { $0 + $1.storedSize }
        }
    }

    private static func covers(_ scope: ReportScope, _ job: Job) -> Bool {
        job.organizationId == scope.organizationId && job.createdAt >= scope.from && job.createdAt < scope.to
            && (scope.jobId == nil || scope.jobId == job.id)
    }
}
