import BlobStorage
import ClipGenCore

/// With synchronous replication (`CLIPGEN_REPLICATION=sync`) a task's files count as made only
/// once the second region can read them: the task completes — and its clips become `ready`, and
/// `clip.ready` fires — after each file is in the second region's store at its full size. The
/// database side needs no waiting here: its commits return once the standby applied them
/// (`synchronous_commit=remote_apply`). While the second region has no live worker (it is lost,
/// or failed over), nothing can be confirmed there and the work goes on unconfirmed.
/// With asynchronous replication the same gate only measures (`waits` false).
public struct ReplicationGate: Sendable {
    /// This region's bucket, as the second region's store serves it.
    public let replica: any BlobStore
    public let timeout: Duration
    public var poll: Duration = .milliseconds(100)
    /// False with asynchronous replication: nothing waits, the files are watched for the lag
    /// (`ReplicationLagWatch`).
    public var waits: Bool

    public init(replica: any BlobStore, timeout: Duration, waits: Bool = true) {
        self.replica = replica
        self.timeout = timeout
        self.waits = waits
    }

    public enum Outcome: Sendable, Equatable {
        case replicated
        /// The second region was not alive to receive them.
        case unconfirmed
    }

    /// Waits until each of `files` (key and size) reads back from the replica at its size; throws
    /// `ReplicationError.notReplicated` after `timeout`, so the attempt is retried later.
    public func confirm(
        _ files: [(key: BlobKey, size: Int64)], secondRegionAlive: @Sendable () -> Bool
    ) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var waiting = files
        while !waiting.isEmpty {
            guard secondRegionAlive() else { return .unconfirmed }
            var still: [(key: BlobKey, size: Int64)] = []
            for file in waiting where (try? await replica.size(of: file.key)) != file.size { still.append(file) }
            waiting = still
            if waiting.isEmpty { break }
            guard ContinuousClock.now < deadline else { throw ReplicationError.notReplicated(waiting.count) }
            try await Task.sleep(for: poll)
        }
        return .replicated
    }
}

/// The second region did not receive a task's files in time; the task is tried again.
public enum ReplicationError: Error, CustomStringConvertible, Equatable {
    case notReplicated(Int)

    public var description: String {
        switch self {
        case .notReplicated(let count): "\(count) file(s) did not reach the second region in time"
        }
    }
}
