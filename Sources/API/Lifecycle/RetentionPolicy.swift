import ClipGenCore
import Foundation
import Persistence

/// The operator's retention: how long each kind of data lives in an organisation that set
/// nothing of its own, and the most any organisation may choose.
public struct RetentionPolicy: Sendable, Equatable {
    /// Days per category; 0 keeps that data for good. Audit entries 90 days, the rest for good.
    public var defaults = RetentionSettings(uploads: 0, clips: 0, analyses: 0, jobs: 0, audit: 90, webhooks: 0)
    /// The longest an organisation may keep anything, in days; nil: no bound (and "for good" allowed).
    public var maxDays: Int?
    /// How often the sweep runs.
    public var interval: Duration = .seconds(3600)

    public init() {}

    /// The days that apply to an organisation: its own where set, else the default, never past
    /// the maximum (an operator who lowers it shortens what organisations chose before). 0: for good.
    public func effective(_ own: RetentionSettings) -> RetentionSettings {
        var settings = RetentionSettings()
        for category in RetentionCategory.allCases {
            let days = own[category] ?? defaults[category] ?? 0
            settings[category] = maxDays.map { max in days == 0 ? max : min(days, max) } ?? days
        }
        return settings
    }

    /// What an organisation's admin may not set, field by field.
    public func problems(with own: RetentionSettings) -> [FieldError] {
        RetentionCategory.allCases.compactMap { category in
            guard let days = own[category] else { return nil }
            if days < 0 { return FieldError(field: category.rawValue, message: "must be a number of days, or null") }
            if let maxDays, days == 0 || days > maxDays {
                return FieldError(
                    field: category.rawValue,
                    message: "must be between 1 and \(maxDays) days (the service's limit), or null")
            }
            if days > 36_500 { return FieldError(field: category.rawValue, message: "must be at most 36500 days") }
            return nil
        }
    }
}
