import Foundation

/// Render scratch space: one directory per worker, named by its worker id
/// (`host-pid-random`). A killed worker leaves its directory behind (its tasks are claimed again
/// once their leases expire); another worker on the same host removes it once that process is
/// gone, and anything nothing has written to for a day goes too.
public enum ScratchSpace {
    /// A directory at `path` for `body` alone, removed however `body` ends.
    public static func withDirectory<T>(
        _ path: String, isolation: isolated (any Actor)? = #isolation, _ body: (String) async throws -> T
    ) async throws -> T {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    public static func removeLeftovers(
        in root: String, keeping own: String, olderThan age: TimeInterval = 24 * 3600, now: Date = Date()
    ) {
        let manager = FileManager.default
        let host = ProcessInfo.processInfo.hostName
        for entry in (try? manager.contentsOfDirectory(atPath: root)) ?? [] where entry != own {
            let path = root + "/" + entry
            if let pid = processID(ofWorker: entry, host: host), !isRunning(pid) {
                try? manager.removeItem(atPath: path)
                continue
            }
            let modified = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date
            if let modified, now.timeIntervalSince(modified) > age { try? manager.removeItem(atPath: path) }
        }
    }

    /// The pid in a worker id made on `host`; nil for another host's or a name of another shape.
    static func processID(ofWorker id: String, host: String) -> pid_t? {
        guard id.hasPrefix(host + "-") else { return nil }
        let parts = id.dropFirst(host.count + 1).split(separator: "-")
        guard parts.count == 2 else { return nil }
        return pid_t(parts[0])
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
