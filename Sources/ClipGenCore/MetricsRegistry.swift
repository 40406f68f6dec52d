import Foundation
import Synchronization

/// Counters and gauges in Prometheus' text format, shared by the workers that record and the
/// API that serves `/metrics`. Small on purpose: label sets are few (encoder, mode, stage, code).
public final class MetricsRegistry: Sendable {
    private struct Series: Hashable, Comparable {
        var name: String
        var labels: [String: String]
        var rendered: String {
            labels.isEmpty ? name : "\(name){" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",") + "}"
        }
        static func < (a: Series, b: Series) -> Bool { a.rendered < b.rendered }
        static func escape(_ value: String) -> String {
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
        }
    }

    private struct State {
        var values: [Series: Double] = [:]
        var kinds: [String: (kind: String, help: String)] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public func increment(_ name: String, help: String, labels: [String: String] = [:], by amount: Double = 1) {
        state.withLock { state in
            state.kinds[name] = ("counter", help)
            state.values[Series(name: name, labels: labels), default: 0] += amount
        }
    }

    public func set(_ name: String, help: String, labels: [String: String] = [:], to value: Double) {
        state.withLock { state in
            state.kinds[name] = ("gauge", help)
            state.values[Series(name: name, labels: labels)] = value
        }
    }

    /// Every series, grouped by metric with its HELP and TYPE lines.
    public func prometheusText() -> String {
        state.withLock { state in
            var text = ""
            for name in state.kinds.keys.sorted() {
                let (kind, help) = state.kinds[name]!
                text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind)\n"
                for series in state.values.keys.filter({ $0.name == name }).sorted() {
                    let value = state.values[series]!
                    text += "\(series.rendered) \(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))\n"
                }
            }
            return text
        }
    }
}
