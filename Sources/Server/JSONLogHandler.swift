import Foundation
import Logging

/// One JSON object per line: time, level, message, logger, stream and the metadata, the ids under
/// the names log queries use (`request_id`, `job_id`, `task_id`, `worker_id`, `org_id`,
/// `user_id`), so logs can be shipped and queried without parsing prose. To stderr, or to a
/// size-rotated file (`CLIPGEN_LOG_FILE`).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    /// Installs the handler process-wide; call once, from `main` only.
    public static func bootstrap(level: String, file: LogFile.Settings?) throws -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        let sink: LogSink = try file.map { .file(try LogFile($0)) } ?? .standardError
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: parsed, sink: sink) }
        return Logger(label: "clipgen")
    }

    /// Metadata keys as the code sets them (Hummingbird's among them) and the field each becomes.
    static let fieldNames = [
        "hb.request.id": "request_id", "job.id": "job_id", "task.id": "task_id", "worker.id": "worker_id",
        "organization.id": "org_id", "user.id": "user_id",
    ]

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)), "level": event.level.rawValue,
            "message": "\(event.message)", "logger": label, "stream": "app",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[Self.fieldNames[key] ?? key] = "\(value)"
        }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        data.append(0x0A)
        sink.write(data)
    }
}

/// Where log lines go.
public enum LogSink: Sendable {
    case standardError
    case file(LogFile)

    func write(_ line: Data) {
        switch self {
        case .standardError: FileHandle.standardError.write(line)
        case .file(let file): file.write(line)
        }
    }
}
