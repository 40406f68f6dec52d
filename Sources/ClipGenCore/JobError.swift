/// Why a job failed, as stored on the job and shown to the client (`error: {code, message}`).
/// Codes are stable strings clients can branch on; messages say what to do.
public struct JobError: Codable, Sendable, Equatable, Error {
    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Every code a job can fail with, declared here once; stored rows may hold others from
    /// other versions, so decoding accepts any string.
    public struct Code: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// FFmpeg cannot read the file: not a video, truncated, corrupt, an unknown codec or a
        /// container ClipGen does not accept (playlists among them).
        public static let unsupportedMedia = Code(rawValue: "unsupported_media")
        /// The file has no video stream (audio only, or a data file).
        public static let noVideoStream = Code(rawValue: "no_video_stream")
        /// An FFmpeg child ran past its time limit.
        public static let mediaTimeout = Code(rawValue: "media_timeout")
        /// ffmpeg or ffprobe is not installed where configured.
        public static let ffmpegMissing = Code(rawValue: "ffmpeg_missing")
        /// FFmpeg failed while rendering a file it could read.
        public static let renderFailed = Code(rawValue: "render_failed")
        /// FFmpeg failed while decoding a readable file for analysis or quality measurement.
        public static let analysisFailed = Code(rawValue: "analysis_failed")
        /// A clip asks for time the source does not have.
        public static let rangeOutsideMedia = Code(rawValue: "range_outside_media")
        /// A `source.url` could not be imported: refused (not a public address, too large, too
        /// many redirects) or not fetched (the message says why).
        public static let importFailed = Code(rawValue: "import_failed")
        /// The organisation's quota does not allow it: an import larger than its upload limit, or
        /// more than its storage has room for.
        public static let quotaExceeded = Code(rawValue: "quota_exceeded")
        /// The worker has no speech or face helpers installed (scripts/setup-helpers.sh installs them).
        public static let helpersMissing = Code(rawValue: "helpers_missing")
        /// Speech recognition failed on a file FFmpeg could read.
        public static let transcriptionFailed = Code(rawValue: "transcription_failed")
        /// Finding faces for a face-following crop failed on a file FFmpeg could read.
        public static let reframeFailed = Code(rawValue: "reframe_failed")
        /// The upload, or its stored file, is gone.
        public static let sourceMissing = Code(rawValue: "source_missing")
        /// The worker running the last attempt stopped answering.
        public static let workerLost = Code(rawValue: "worker_lost")
        /// Anything else; the cause is in the worker's log under the job and task ids.
        public static let internalError = Code(rawValue: "internal_error")
    }

    public static func rangeOutsideMedia(clipIndex: Int, end: Double, duration: Double) -> JobError {
        JobError(
            code: .rangeOutsideMedia,
            message: "clip \(clipIndex) ends at \(format(end)) s but the source is only \(format(duration)) s long")
    }

    /// The worker running a task's last attempt stopped answering.
    public static let workerLost = JobError(
        code: .workerLost, message: "the worker running this job stopped responding on its last attempt")

    /// What a client sees for a failure that is not theirs to fix.
    public static let internalFailure = JobError(
        code: .internalError,
        message: "processing failed for a reason on our side; try again, or contact the operator with the job id")

    private static func format(_ value: Double) -> String {
        String(Double((value * 1000).rounded()) / 1000)
    }
}
