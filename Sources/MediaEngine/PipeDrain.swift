import ClipGenCore
import Foundation
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A child's stdout or stderr, read with plain blocking reads on a thread of its own and handed
/// to an async reader a chunk at a time, only as it asks (so a slow reader holds one chunk, and
/// the child waits on a full pipe).
///
/// Subprocess's own readers (one epoll registration per descriptor number, edge-triggered) now
/// and then never saw the end of a pipe on Linux: a finished FFmpeg's reader, and the job with
/// it, waited forever (seen under load in CI and here, no child left, a pipe with no writer
/// open). A thread blocked in `read` cannot miss the end.
final class PipeDrain: Sendable {
    /// The pipe's two ends, close-on-exec so no other child inherits them; the write end is the
    /// child's (Subprocess closes it here once the child runs).
    static func makePipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw MediaError(.renderFailed, "could not make a pipe for FFmpeg: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (FileDescriptor(rawValue: ends[0]), FileDescriptor(rawValue: ends[1]))
    }

    private enum Delivery {
        case chunk([UInt8])
        case end
        case failed(Int32)
    }

    private struct State {
        var waiting: CheckedContinuation<Delivery, Never>?
        var stopped = false
        var ended = false
    }

    private let state = Mutex(State())
    /// One signal per chunk asked for, or to stop.
    private let demand = DispatchSemaphore(value: 0)

    /// Starts the reading thread; the end of the pipe, or `stop`, ends it and closes `fd`.
    init(_ fd: FileDescriptor, chunkSize: Int = 1 << 16) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while true {
                demand.wait()
                if state.withLock({ $0.stopped }) { break }
                let count = buffer.withUnsafeMutableBytes { read(fd.rawValue, $0.baseAddress, chunkSize) }
                let code = errno
                if count < 0, code == EINTR {
                    demand.signal()
                    continue
                }
                guard count > 0 else {
                    finish(count == 0 ? .end : .failed(code))
                    break
                }
                let waiting = state.withLock { state in
                    defer { state.waiting = nil }
                    return state.waiting
                }
                waiting?.resume(returning: .chunk(Array(buffer[0..<count])))
            }
            finish(.end)
            try? fd.close()
        }
        thread.name = "clipgen-pipe"
        thread.start()
    }

    /// No more chunks: a reader waiting now, or from now on, gets `delivery` (or the end).
    private func finish(_ delivery: Delivery) {
        let waiting = state.withLock { state in
            defer {
                state.waiting = nil
                state.ended = true
            }
            return state.ended ? nil : state.waiting
        }
        waiting?.resume(returning: delivery)
    }

    /// The next chunk, nil at the end of the pipe (or once stopped, or when the calling task is
    /// cancelled: a reader whose run has failed must not wait for a child that nobody stops until
    /// that reader returns).
    func next() async throws -> [UInt8]? {
        let delivery = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let over = state.withLock { state -> Bool in
                    if state.stopped || state.ended || Task.isCancelled { return true }
                    state.waiting = continuation
                    return false
                }
                if over { continuation.resume(returning: .end) } else { demand.signal() }
            }
        } onCancel: {
            // The chunk being read, if any, finds no one waiting and is dropped.
            let waiting = state.withLock { state in
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume(returning: .end)
        }
        switch delivery {
        case .chunk(let bytes):
            return bytes
        case .end:
            return nil
        case .failed(let code):
            throw MediaError(.renderFailed, "reading FFmpeg's output failed: \(String(cString: strerror(code)))")
        }
    }

    /// Calls `body` with each line as it arrives.
    func eachLine(_ body: (String) throws -> Void) async throws {
        var pending: [UInt8] = []
        while let chunk = try await next() {
            pending += chunk
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try body(String(decoding: pending[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try body(String(decoding: pending, as: UTF8.self)) }
    }

    /// Ends the reading thread: at once when it waits for the next request, after its read
    /// when it is in one (the child's end closing ends that); the descriptor is then closed.
    func stop() {
        state.withLock { $0.stopped = true }
        demand.signal()
    }
}
