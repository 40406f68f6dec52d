import Foundation
import Logging
import Synchronization

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
        // Pairs rather than a dictionary: the line is written on every request's path. The event's
        // metadata comes after the logger's, so for a key set in both the event's value wins.
        var fields: [(String, String)] = [
            ("level", event.level.rawValue), ("logger", label), ("message", "\(event.message)"), ("stream", "app"),
        ]
        fields.reserveCapacity(4 + metadata.count + (event.metadata?.count ?? 0))
        for (key, value) in metadata { fields.append((Self.fieldNames[key] ?? key, Self.text(value))) }
        for (key, value) in event.metadata ?? [:] { fields.append((Self.fieldNames[key] ?? key, Self.text(value))) }
        sink.write(Self.line(time: Self.timestamp(), fields))
    }

    private static func text(_ value: Logger.MetadataValue) -> String {
        if case .string(let text) = value { text } else { "\(value)" }
    }

    /// `{"time":…,` then the fields in key order (the last of a repeated key), escaped by hand: an
    /// access line per request is written on the hot path, where Foundation's serializer and date
    /// formatter cost more than the request itself.
    static func line(time: String, _ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        append("time", to: &out)
        out.append(UInt8(ascii: ":"))
        append(time, to: &out)
        // Stable, so equal keys keep their order and the last one is the one written.
        let sorted = fields.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
        for (index, (key, value)) in sorted.enumerated() where key != "time" {
            if index + 1 < sorted.count, sorted[index + 1].0 == key { continue }
            out.append(UInt8(ascii: ","))
            append(key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(value, to: &out)
        }
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        return out
    }

    /// A JSON string: quotes, backslashes and control characters escaped, other UTF-8 as it is.
    static func append(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                    hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Now as `2026-11-28T17:02:20.123Z`.
    static func timestamp() -> String {
        // Date rather than clock_gettime: a release build resolves `timespec` through
        // CoreFoundation, which member import visibility then refuses.
        let now = Date().timeIntervalSince1970
        var seconds = time_t(now.rounded(.down))
        let milliseconds = Int32(min(999, (now - now.rounded(.down)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        let date = "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2))"
        let time = "\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2))"
        return "\(date)T\(time).\(digits(milliseconds, 3))Z"
    }
}

/// Where log lines go.
public enum LogSink: Sendable {
    case standardError
    case file(LogFile)

    /// Lines to stderr go whole, one writer at a time, straight from the line's bytes (no copy
    /// into a `Data` per line, as `FileHandle` needs), as lines to a file do.
    private static let standardErrorLock = Mutex(())

    func write(_ line: [UInt8]) {
        switch self {
        case .standardError: Self.standardErrorLock.withLock { _ in LogFile.write(line, to: 2) }
        case .file(let file): file.write(line)
        }
    }
}
