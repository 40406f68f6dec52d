/// What a user may do. Admins manage users and delete anything in their organisation; users
/// create and delete their own resources; viewers only read.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, user, viewer

    /// True when every permission of `self` is also `other`'s: what a user may hand on to a key.
    public func isAtMost(_ other: Role) -> Bool {
        [Permission.read, .write, .delete, .manage].allSatisfy { !allows($0) || other.allows($0) }
    }

    /// The lesser of two roles: what a key may do when its user has since been demoted.
    public func limited(to other: Role) -> Role { isAtMost(other) ? self : other }

    public func allows(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _): true
        case (.user, .read), (.user, .write): true
        case (.viewer, .read): true
        default: false
        }
    }
}

public enum Permission: String, Sendable {
    case read, write, delete, manage
}
