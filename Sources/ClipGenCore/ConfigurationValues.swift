/// One setting a module reads: its key (flag names are the key in kebab case) and what it
/// means, default included; the README's table lists every module's keys.
public struct ConfigurationKey: Sendable, Equatable {
    public var key: String
    public var meaning: String
    public init(_ key: String, _ meaning: String) {
        self.key = key
        self.meaning = meaning
    }

    /// `CLIPGEN_` and the key in upper snake case: `dataDir` → `CLIPGEN_DATA_DIR`.
    public var environmentName: String { Self.environmentName(key) }

    public static func environmentName(_ key: String) -> String {
        "CLIPGEN_"
            + key.reduce(into: "") { name, character in
                if character.isUppercase { name += "_" }
                name += character.uppercased()
            }
    }
}

/// Where modules read their settings from. The command fills it once from flags, environment
/// and file; each module owns its configuration type and reads its own keys, and a malformed
/// value is an error naming its variable, never a silent fallback to the default.
public protocol ConfigurationValues {
    /// The raw value, trimmed; nil when unset or empty.
    func string(_ key: String) -> String?
}

extension ConfigurationValues {
    public func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = string(key) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(key),
                reason: "'\(raw)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let raw = string(key) else { return nil }
        guard let value = Double(raw), range.contains(value) else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(key),
                reason: "'\(raw)' is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let raw = string(key)?.lowercased() else { return nil }
        switch raw {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(key), reason: "'\(raw)' is not true or false")
        }
    }
}

/// A setting that cannot be used, named so the operator can fix it.
public enum ConfigurationProblem: Error, CustomStringConvertible {
    case weakJWTSecret
    case invalid(key: String, reason: String)

    public var description: String {
        switch self {
        case .weakJWTSecret: "the JWT secret must be at least 32 bytes (CLIPGEN_JWT_SECRET)"
        case .invalid(let key, let reason): "configuration \(key): \(reason)"
        }
    }
}
