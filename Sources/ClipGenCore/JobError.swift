/// Why a job failed, as stored on the job and shown to the client (`error: {code, message}`).
/// Codes are stable strings clients can branch on; messages say what to do.
public struct JobError: Codable, Sendable, Equatable, Error {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public static func rangeOutsideMedia(clipIndex: Int, end: Double, duration: Double) -> JobError {
        JobError(code: "range_outside_media",
                 message: "clip \(clipIndex) ends at \(format(end)) s but the source is only \(format(duration)) s long")
    }

    public static let workerLost = "worker_lost"
    public static let internalError = "internal_error"

    private static func format(_ value: Double) -> String {
        String(Double((value * 1000).rounded()) / 1000)
    }
}
