import Foundation

/// A position in a media file in seconds, decoded from either a number (`12.5`) or a
/// timecode string (`"00:01:02.500"`, `"1:02.5"`, `"62.5"`).
public struct MediaTime: Codable, Sendable, Hashable, Comparable {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool { lhs.seconds < rhs.seconds }

    /// `HH:MM:SS.mmm` (WebVTT), or with `,` before the milliseconds (SRT); never negative.
    public func timecode(fractionSeparator: String = ".") -> String {
        let millis = Int((max(0, seconds) * 1000).rounded())
        let h = millis / 3_600_000
        let m = millis / 60_000 % 60
        let s = millis / 1000 % 60
        let ms = millis % 1000
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2))\(fractionSeparator)\(pad(ms, 3))"
    }

    /// Parses `[[HH:]MM:]SS[.fff]`; returns nil for anything else, including negative values.
    public init?(timecode: String) {
        let parts = timecode.trimmingCharacters(in: .whitespaces).split(
            separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isNumber || (isLast && $0 == ".")) }),
                let value = Double(part), value.isFinite
            else { return nil }
            if !isLast, value != value.rounded() { return nil }
            if index > 0, value >= 60 { return nil }
            total = total * 60 + value
        }
        self.seconds = total
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self.seconds = number
        } else if let text = try? container.decode(String.self), let parsed = MediaTime(timecode: text) {
            self = parsed
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected seconds (12.5) or a timecode (\"00:01:02.500\")")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}
