import Foundation

extension JSONEncoder {
    /// How the API writes JSON, in answers, WebSocket messages and webhook bodies alike: ISO 8601
    /// UTC with milliseconds (jobs often take less than a second) and sorted keys.
    public static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
