import ClipGenCore
import Foundation

/// How an analytics report splits its window.
public enum AnalyticsGrouping: String, Codable, Sendable, CaseIterable {
    case none, hour, day

    /// The width of one bucket; nil for one bucket over the whole window.
    public var seconds: Double? {
        switch self {
        case .none: nil
        case .hour: 3600
        case .day: 86400
        }
    }
}

/// The jobs an organisation created in `[from, to)`.
public struct ReportScope: Sendable, Equatable {
    public var organizationId: OrganizationID
    public var from: Date
    public var to: Date
    /// Only this job's clips (a job's quality report).
    public var jobId: JobID?
    public init(organizationId: OrganizationID, from: Date, to: Date, jobId: JobID? = nil) {
        self.organizationId = organizationId
        self.from = from
        self.to = to
        self.jobId = jobId
    }
}

/// A set of values summed up: nearest-rank percentiles (the smallest value with at least that
/// share of values at or below it), the same definition on every store.
public struct Distribution: Codable, Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var p5: Double
    public var p50: Double
    public var p95: Double
    public init(count: Int, min: Double, max: Double, mean: Double, p5: Double, p50: Double, p95: Double) {
        self.count = count
        self.min = min
        self.max = max
        self.mean = mean
        self.p5 = p5
        self.p50 = p50
        self.p95 = p95
    }

    /// The percentiles this type reports, for the stores that compute them.
    public static let percentiles: [Double] = [0.05, 0.5, 0.95]

    /// Computed in memory, for the in-memory store; nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ share: Double) -> Double {
            sorted.enumerated().first { Double($0.offset + 1) >= share * Double(sorted.count) }!.element
        }
        self.init(
            count: sorted.count, min: sorted[0], max: sorted[sorted.count - 1],
            mean: sorted.reduce(0, +) / Double(sorted.count),
            p5: rank(0.05), p50: rank(0.5), p95: rank(0.95))
    }
}

/// What an organisation's jobs did in one window.
public struct AnalyticsFigures: Codable, Sendable, Equatable {
    /// Jobs by status.
    public var jobs: [String: Int] = [:]
    /// Minutes of source media in the jobs that succeeded.
    public var mediaMinutes: Double = 0
    public var clips: Int = 0
    public var clipMinutes: Double = 0
    /// Seconds the finished tasks took, by stage (task kind).
    public var processingSeconds: [String: Distribution] = [:]
    /// Failed jobs by error code.
    public var failures: [String: Int] = [:]
    public init() {}
}

public struct AnalyticsBucket: Codable, Sendable, Equatable {
    public var start: Date
    public var figures: AnalyticsFigures
    public init(start: Date, figures: AnalyticsFigures) {
        self.start = start
        self.figures = figures
    }
}

public struct AnalyticsReport: Codable, Sendable, Equatable {
    public var totals: AnalyticsFigures
    /// Only buckets that have jobs, oldest first; empty when not grouped.
    public var buckets: [AnalyticsBucket]
    public init(totals: AnalyticsFigures, buckets: [AnalyticsBucket]) {
        self.totals = totals
        self.buckets = buckets
    }
}

/// The figures a clip is held against.
public struct QualityThresholds: Sendable, Equatable {
    public var psnr: Double
    public var ssim: Double
    public init(psnr: Double = 30, ssim: Double = 0.9) {
        self.psnr = psnr
        self.ssim = ssim
    }
}

public struct ClipQualityFigures: Codable, Sendable, Equatable {
    public var clipId: ClipID
    public var jobId: JobID
    public var psnr: Double?
    public var ssim: Double?
    public var loudnessLUFS: Double?
    public init(clipId: ClipID, jobId: JobID, psnr: Double?, ssim: Double?, loudnessLUFS: Double?) {
        self.clipId = clipId
        self.jobId = jobId
        self.psnr = psnr
        self.ssim = ssim
        self.loudnessLUFS = loudnessLUFS
    }
}

public struct ClipFallback: Codable, Sendable, Equatable {
    public var clipId: ClipID
    public var jobId: JobID
    public var reason: String
    public init(clipId: ClipID, jobId: JobID, reason: String) {
        self.clipId = clipId
        self.jobId = jobId
        self.reason = reason
    }
}

public struct QualityReport: Codable, Sendable, Equatable {
    public var clips: Int
    public var psnr: Distribution?
    public var ssim: Distribution?
    public var loudnessLUFS: Distribution?
    /// Clips under either threshold, worst PSNR first (at most `QualityReport.listLimit`).
    public var belowThresholds: [ClipQualityFigures]
    /// Clips asked for as `smart` that were cut another way, by reason.
    public var fallbacksByReason: [String: Int]
    /// The newest of those (at most `QualityReport.listLimit`).
    public var fallbacks: [ClipFallback]
    public init(
        clips: Int, psnr: Distribution?, ssim: Distribution?, loudnessLUFS: Distribution?,
        belowThresholds: [ClipQualityFigures],
        fallbacksByReason: [String: Int], fallbacks: [ClipFallback]
    ) {
        self.clips = clips
        self.psnr = psnr
        self.ssim = ssim
        self.loudnessLUFS = loudnessLUFS
        self.belowThresholds = belowThresholds
        self.fallbacksByReason = fallbacksByReason
        self.fallbacks = fallbacks
    }

    public static let listLimit = 100
}

/// Reports over what is stored, computed where the data is (SQL on SQLite and PostgreSQL).
public protocol ReportQueries: Sendable {
    func analytics(_ scope: ReportScope, groupBy: AnalyticsGrouping) async throws -> AnalyticsReport
    func quality(_ scope: ReportScope, thresholds: QualityThresholds) async throws -> QualityReport
    /// Per capability: tasks waiting, and since when the oldest due one has waited.
    func queueStatistics() async throws -> [QueueStatistics]
    /// Bytes of every organisation's uploads (each stored file once) and clips.
    func storedBytes() async throws -> Int64
}

public struct QueueStatistics: Sendable, Equatable {
    public var capability: Capability
    /// Queued, due or waiting out a retry delay.
    public var queued: Int
    /// When the longest-waiting due task became due; nil when none is due.
    public var oldestDueSince: Date?
    public init(capability: Capability, queued: Int, oldestDueSince: Date?) {
        self.capability = capability
        self.queued = queued
        self.oldestDueSince = oldestDueSince
    }
}
