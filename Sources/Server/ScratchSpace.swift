import Foundation

/// Render scratch space. A killed worker leaves its directory behind (its tasks are claimed again
/// once their leases expire); such leftovers are removed once nothing has written to them for a day.
enum ScratchSpace {
    static func removeStale(in root: String, olderThan age: TimeInterval, now: Date = Date()) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        for entry in try manager.contentsOfDirectory(atPath: root) {
            let path = root + "/" + entry
            let modified = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date
            if let modified, now.timeIntervalSince(modified) > age { try? manager.removeItem(atPath: path) }
        }
    }
}
