import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// Runs a child whose stdout is binary (raw frames, PCM) and hands it over in chunks as it
/// arrives, so a reader of a two-hour decode holds one pipe buffer, never the whole output.
/// Like `ProcessRunner.live`: the timeout or a cancelled task kills the child.
public enum PipeReader {
    /// `consume` runs on the calling task for every chunk, in order; stderr's tail is kept for errors.
    public static func run(_ spec: ProcessSpec, consume: (UnsafeRawBufferPointer) throws -> Void) async throws -> ProcessOutput {
        let executable: Executable = spec.executable.contains("/") ? .path(FilePath(spec.executable)) : .name(spec.executable)
        let timedOut = TimeoutFlag()
        do {
            let result = try await Subprocess.run(executable, arguments: Arguments(spec.arguments), input: .none, output: .sequence,
                                                  error: .sequence) { execution in
                try await withThrowingTaskGroup(of: String?.self) { group in
                    group.addTask {
                        var tail: [String] = []
                        for try await line in execution.standardError.strings() {
                            tail.append(line)
                            if tail.count > 60 { tail.removeFirst() }
                        }
                        return tail.joined(separator: "\n")
                    }
                    group.addTask {
                        try await Task.sleep(for: spec.timeout)
                        timedOut.set()
                        try? execution.send(signal: .kill)
                        return nil
                    }
                    for try await chunk in execution.standardOutput {
                        try chunk.withUnsafeBytes { try consume($0) }
                    }
                    var stderr = ""
                    while let next = try await group.next() {
                        if let next {
                            stderr = next
                            break
                        }
                    }
                    group.cancelAll()
                    return stderr
                }
            }
            if timedOut.value {
                throw MediaError(.timeout, "\(spec.executable) ran longer than \(spec.timeout) and was stopped")
            }
            let exitCode: Int32? = switch result.terminationStatus {
            case .exited(let code): code
            case .signaled: nil
            }
            return ProcessOutput(exitCode: exitCode, stdout: "", stderrTail: result.closureResult)
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw MediaError(.toolMissing, "\(spec.executable) was not found; install FFmpeg (apt-get install -y ffmpeg) or set its path in the configuration")
        }
    }
}

private final class TimeoutFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
