import ClipGenCore
import Foundation
import Subprocess
import SystemPackage

/// What to run: one child process with a hard time limit.
public struct ProcessSpec: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]
    public var timeout: Duration
    /// Keep up to this many bytes of stdout in the result (0: hand lines to the callback only).
    public var stdoutLimit: Int
    /// Set in the child's environment on top of this process's: a credential a tool reads from
    /// there (`PGPASSWORD`) stays out of its arguments, which any local user can list.
    public var environment: [String: String]

    public init(
        executable: String, arguments: [String], timeout: Duration, stdoutLimit: Int = 0,
        environment: [String: String] = [:]
    ) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self.stdoutLimit = stdoutLimit
        self.environment = environment
    }
}

public struct ProcessOutput: Sendable {
    /// Exit code, or nil when the child was killed by a signal.
    public var exitCode: Int32?
    public var stdout: String
    /// The last lines of stderr: enough to explain a failure, bounded whatever the child prints.
    public var stderrTail: String
    public var succeeded: Bool { exitCode == 0 }

    public init(exitCode: Int32?, stdout: String, stderrTail: String) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderrTail = stderrTail
    }
}

/// The seam between ClipGen and child processes. `live` runs real processes; unit tests of
/// argument building substitute a closure that records the spec.
public struct ProcessRunner: Sendable {
    public var run:
        @Sendable (_ spec: ProcessSpec, _ onStdoutLine: @escaping @Sendable (String) -> Void) async throws ->
            ProcessOutput

    public init(
        run: @escaping @Sendable (ProcessSpec, @escaping @Sendable (String) -> Void) async throws -> ProcessOutput
    ) {
        self.run = run
    }

    public func run(_ spec: ProcessSpec) async throws -> ProcessOutput {
        try await run(spec, { _ in })
    }

    /// Runs real child processes. Cancelling the calling task or passing the timeout kills the
    /// child (SIGKILL) before this returns, so no FFmpeg outlives its job.
    public static let live = ProcessRunner { spec, onStdoutLine in
        try await withThrowingTaskGroup(of: ProcessOutput?.self) { group in
            group.addTask { try await runChild(spec, onStdoutLine: onStdoutLine) }
            group.addTask {
                try await Task.sleep(for: spec.timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let output = first else {
                throw MediaError(.mediaTimeout, "\(spec.executable) ran longer than \(spec.timeout) and was stopped")
            }
            return output
        }
    }

    private static let stderrTailLines = 60

    // Shared with `PipeReader`, which runs children the same way but reads binary stdout.

    static func executable(of spec: ProcessSpec) -> Executable {
        spec.executable.contains("/") ? .path(FilePath(spec.executable)) : .name(spec.executable)
    }

    /// The last lines of a child's stderr, bounded whatever it prints.
    static func tail(of stderr: PipeDrain) async throws -> String {
        var tail: [String] = []
        try await stderr.eachLine { line in
            tail.append(line)
            if tail.count > stderrTailLines { tail.removeFirst() }
        }
        return tail.joined(separator: "\n")
    }

    /// A child's stdout and stderr: pipes whose write ends the child gets (and Subprocess closes
    /// here once it runs), read by `PipeDrain`s.
    static func outputs() throws -> (
        (output: FileDescriptorOutput, drain: PipeDrain), (output: FileDescriptorOutput, drain: PipeDrain)
    ) {
        let out = try PipeDrain.makePipe()
        let err: (read: FileDescriptor, write: FileDescriptor)
        do {
            err = try PipeDrain.makePipe()
        } catch {
            try? out.read.close()
            try? out.write.close()
            throw error
        }
        return (
            (.fileDescriptor(out.write, closeAfterSpawningProcess: true), PipeDrain(out.read)),
            (.fileDescriptor(err.write, closeAfterSpawningProcess: true), PipeDrain(err.read))
        )
    }

    /// The exit code, or nil when a signal ended the child.
    static func exitCode(_ status: TerminationStatus) -> Int32? {
        switch status {
        case .exited(let code): code
        case .signaled: nil
        }
    }

    static func toolMissing(_ spec: ProcessSpec) -> MediaError {
        MediaError(
            .ffmpegMissing,
            """
            \(spec.executable) was not found; install FFmpeg (apt-get install -y ffmpeg) or set its path in the \
            configuration
            """
        )
    }

    private static func runChild(_ spec: ProcessSpec, onStdoutLine: @escaping @Sendable (String) -> Void) async throws
        -> ProcessOutput
    {
        let (stdout, stderr) = try outputs()
        defer {
            stdout.drain.stop()
            stderr.drain.stop()
        }
        do {
            let result = try await Subprocess.run(
                executable(of: spec), arguments: Arguments(spec.arguments),
                environment: .inherit.updating(
                    Dictionary(
                        uniqueKeysWithValues: spec.environment.compactMap { name, value in
                            Environment.Key(rawValue: name).map { ($0, String?.some(value)) }
                        })),
                input: .none, output: stdout.output, error: stderr.output
            ) { _ in
                try await withThrowingTaskGroup(of: (String?, String?).self) { group in
                    group.addTask {
                        var kept = ""
                        try await stdout.drain.eachLine { line in
                            onStdoutLine(line)
                            if kept.utf8.count < spec.stdoutLimit { kept += line + "\n" }
                        }
                        return (kept, nil)
                    }
                    group.addTask { (nil, try await tail(of: stderr.drain)) }
                    var out = ""
                    var err = ""
                    for try await (o, e) in group {
                        if let o { out = o }
                        if let e { err = e }
                    }
                    return (out, err)
                }
            }
            return ProcessOutput(
                exitCode: exitCode(result.terminationStatus), stdout: result.closureResult.0,
                stderrTail: result.closureResult.1)
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw toolMissing(spec)
        }
    }
}
