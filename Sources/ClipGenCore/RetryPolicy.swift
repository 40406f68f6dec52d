/// How often something is tried and how long to wait between tries: exponential backoff from
/// `baseSeconds` (2 s, then 4 s, 8 s, …) up to `maxSeconds`, `maxAttempts` tries in all (3 by
/// default). Tasks and webhook deliveries both back off by it.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseSeconds: Double
    public var maxSeconds: Double

    public init(maxAttempts: Int = 3, baseSeconds: Double = 2, maxSeconds: Double = .infinity) {
        self.maxAttempts = maxAttempts
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
    }

    /// Seconds to wait after failed attempt `attempt` (1-based) before the next, or nil when
    /// that was the last attempt or the failure cannot be helped by trying again.
    public func delay(afterAttempt attempt: Int, maxAttempts: Int, retryable: Bool) -> Double? {
        guard retryable, attempt < maxAttempts else { return nil }
        return min(baseSeconds * Double(1 << min(max(attempt - 1, 0), 30)), maxSeconds)
    }
}

extension RetryPolicy {
    public static let keys = [
        ConfigurationKey("maxAttempts", "attempts per task before the job fails (3)"),
        ConfigurationKey("retryBaseSeconds", "first retry delay, doubled per attempt (2)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        maxAttempts = try values.int("maxAttempts", in: 1...100) ?? maxAttempts
        baseSeconds = try values.double("retryBaseSeconds", in: 0...3600) ?? baseSeconds
    }
}
