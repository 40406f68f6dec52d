import ArgumentParser

/// The value of an option that names one case of `T`, or an error listing every case, so the
/// message never drifts from the enum.
func choice<T: RawRepresentable & CaseIterable>(_ text: String, for flag: String, as _: T.Type = T.self) throws -> T
where T.RawValue == String {
    if let value = T(rawValue: text) { return value }
    let names = T.allCases.map(\.rawValue)
    let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
    throw ValidationError("\(flag) must be \(list)")
}
