import ClipGenCore
import Foundation
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A child's second binary output, through a named pipe in a private directory: Subprocess
/// hands a child no descriptor past stderr, and FFmpeg writes to a path as readily as to a pipe
/// (one decode's audio beside its video on stdout). The reading end is opened here before the
/// child starts, without waiting for a writer, so the child's open never blocks; a child that
/// fails before it opens the pipe leaves no reader waiting once `childEnded` is called.
public final class NamedPipe: Sendable {
    /// Where the child writes.
    public let path: String
    private let directory: String
    private let drain: PipeDrain

    public init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/clipgen-pipe.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw MediaError(.analysisFailed, "could not make a pipe for FFmpeg: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        path = directory + "/output"
        let descriptor = mkfifo(path, 0o600) == 0 ? open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            rmdir(directory)
            throw MediaError(.analysisFailed, "could not make a pipe for FFmpeg: \(reason)")
        }
        drain = PipeDrain(FileDescriptor(rawValue: descriptor), awaitingWriter: true)
    }

    /// Hands over what the child writes, a chunk at a time in order, until it closes the pipe
    /// (or, when it never opened it, until `childEnded`).
    public func read(_ consume: (UnsafeRawBufferPointer) throws -> Void) async throws {
        while let chunk = try await drain.next() {
            try chunk.withUnsafeBytes { try consume($0) }
        }
    }

    /// Call once the child has exited: a writer here opens and closes the pipe, which a reader
    /// still waiting for the child to open it takes as the end (bytes the child wrote stay
    /// readable before that end).
    public func childEnded() {
        let writer = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if writer >= 0 { close(writer) }
    }

    /// Ends the reading (what is still unread is dropped) and removes the pipe and its directory.
    public func remove() {
        childEnded()
        drain.stop()
        unlink(path)
        rmdir(directory)
    }
}
