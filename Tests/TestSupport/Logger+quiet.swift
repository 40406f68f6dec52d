import Logging

extension Logger {
    /// Warnings and worse: the access and audit lines of every request would bury a failure's output.
    public static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}
