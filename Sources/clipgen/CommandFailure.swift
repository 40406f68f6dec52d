/// A command that could not do its work for a reason the user can fix: printed as one line
/// (`Error: …`), without the usage text a mistyped flag gets.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
