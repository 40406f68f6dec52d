import ClipGenCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
    private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        Glibc.write(descriptor, bytes, count)
    }
    private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
#elseif canImport(Darwin)
    import Darwin
    private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        Darwin.write(descriptor, bytes, count)
    }
    private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
#endif

/// A log file that never grows past `maxBytes`: before a line would take it over, the file is
/// renamed `path.1` (older ones shift to `path.2` … `path.<keep>`, the oldest is dropped) and a new
/// one begins, so the logs on disk stay within `(keep + 1) × maxBytes`. Lines are written whole,
/// with `O_APPEND`, under a lock.
public final class LogFile: Sendable {
    public struct Settings: Sendable, Equatable {
        public var path: String
        public var maxBytes: Int64
        /// Rotated files kept beside the current one.
        public var keep: Int
        public init(path: String, maxBytes: Int64 = 10 << 20, keep: Int = 5) {
            self.path = path
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }

    private struct State {
        var descriptor: Int32
        var size: Int64
    }

    public let settings: Settings
    private let state: Mutex<State>

    /// Opens (or creates) the file; throws a message naming it when it cannot be written.
    public init(_ settings: Settings) throws {
        self.settings = settings
        let descriptor = try Self.open(settings.path)
        state = Mutex(State(descriptor: descriptor, size: Int64(lseek(descriptor, 0, SEEK_END))))
    }

    deinit {
        // After a failed rotation the lines went to stderr, which is not this file's to close.
        state.withLock { if $0.descriptor > 2 { close($0.descriptor) } }
    }

    public func write(_ line: some Collection<UInt8> & ContiguousBytes) {
        state.withLock { state in
            if state.size > 0, state.size + Int64(line.count) > settings.maxBytes { rotate(&state) }
            Self.write(line, to: state.descriptor)
            state.size += Int64(line.count)
        }
    }

    /// The whole line in as few `write(2)`s as the descriptor takes, straight from its bytes.
    static func write(_ line: some ContiguousBytes, to descriptor: Int32) {
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { break } }
                offset += written
            }
        }
    }

    private func rotate(_ state: inout State) {
        let path = settings.path
        close(state.descriptor)
        if settings.keep > 0 {
            unlink("\(path).\(settings.keep)")
            for index in stride(from: settings.keep - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            rename(path, "\(path).1")
        } else {
            unlink(path)
        }
        // Should the new file not open, lines go to stderr rather than nowhere.
        state.descriptor = (try? Self.open(path)) ?? 2
        state.size = 0
    }

    private static func open(_ path: String) throws -> Int32 {
        let descriptor = systemOpen(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw ConfigurationProblem.invalid(
                key: "CLIPGEN_LOG_FILE", reason: "\(path) cannot be written (\(String(cString: strerror(errno))))")
        }
        return descriptor
    }
}
