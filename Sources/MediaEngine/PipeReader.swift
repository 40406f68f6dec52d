import ClipGenCore
import Foundation
import Subprocess
import Synchronization

/// Runs a child whose stdout is binary (raw frames, PCM) and hands it over in chunks as it
/// arrives, so a reader of a two-hour decode holds one pipe buffer, never the whole output.
/// Like `ProcessRunner.live`: the timeout or a cancelled task kills the child.
public enum PipeReader {
    /// `consume` runs on the calling task for every chunk, in order; stderr's tail is kept for errors.
    public static func run(_ spec: ProcessSpec, consume: (UnsafeRawBufferPointer) throws -> Void) async throws
        -> ProcessOutput
    {
        let timedOut = TimeoutFlag()
        let (stdout, stderr) = try ProcessRunner.outputs()
        defer {
            stdout.drain.stop()
            stderr.drain.stop()
        }
        do {
            let result = try await Subprocess.run(
                ProcessRunner.executable(of: spec), arguments: Arguments(spec.arguments), input: .none,
                output: stdout.output, error: stderr.output
            ) { execution in
                try await withThrowingTaskGroup(of: String?.self) { group in
                    group.addTask { try await ProcessRunner.tail(of: stderr.drain) }
                    group.addTask {
                        try await Task.sleep(for: spec.timeout)
                        timedOut.set()
                        try? execution.send(signal: .kill)
                        return nil
                    }
                    while let chunk = try await stdout.drain.next() {
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
                throw MediaError(.mediaTimeout, "\(spec.executable) ran longer than \(spec.timeout) and was stopped")
            }
            return ProcessOutput(
                exitCode: ProcessRunner.exitCode(result.terminationStatus), stdout: "", stderrTail: result.closureResult
            )
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw ProcessRunner.toolMissing(spec)
        }
    }
}

private final class TimeoutFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
