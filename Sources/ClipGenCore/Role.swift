/// What a user may do. Admins manage users and delete anything in their organisation; users
/// create and delete their own resources; viewers only read.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, user, viewer

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
