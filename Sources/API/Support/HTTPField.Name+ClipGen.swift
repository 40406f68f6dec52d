import HTTPTypes

/// The header names the API reads and writes beyond HTTPTypes' own, named once.
extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let filename = Self("X-Filename")!
    static let requestId = Self("X-Request-Id")!
    static let forwardedFor = Self("X-Forwarded-For")!
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
    static let rateLimitPolicy = Self("RateLimit-Policy")!
    static let frameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
    static let clipGenRegion = Self("X-ClipGen-Region")!
    static let clipGenHomeRegion = Self("X-ClipGen-Home-Region")!
}
