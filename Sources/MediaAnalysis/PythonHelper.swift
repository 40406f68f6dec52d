import ClipGenCore
import Foundation
import MediaEngine

/// Runs one of ClipGen's Python helpers (speech, faces) in the virtual environment that
/// `scripts/setup-helpers.sh` makes, the way FFmpeg children run: a time limit, killed when the
/// task is cancelled, progress from `{"progress": f}` lines on stdout, a typed error otherwise.
public struct PythonHelper: Sendable {
    /// The helper's source, compiled into the binary.
    public struct Script: Sendable {
        let source: String
        /// What it does, for messages ("speech recognition").
        let purpose: String
        let failure: JobError.Code

        public static let transcribe = Script(
            source: String(decoding: PackageResources.transcribe_py, as: UTF8.self),
            purpose: "speech recognition", failure: .transcriptionFailed)
        public static let faces = Script(
            source: String(decoding: PackageResources.faces_py, as: UTF8.self),
            purpose: "face detection", failure: .reframeFailed)
    }

    public var venv: String
    public var runner: ProcessRunner
    public var timeout: Duration

    public init(venv: String = ".venv-helpers", runner: ProcessRunner = .live, timeout: Duration = .seconds(3600)) {
        self.venv = venv
        self.runner = runner
        self.timeout = timeout
    }

    public static let installCommand = "scripts/setup-helpers.sh"

    var python: String { venv + "/bin/python" }

    /// Whether the environment is there at all (its packages are checked when a helper runs).
    public var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// Throws the install instructions when the environment is not there.
    public func requireInstalled(for script: Script) throws {
        guard isInstalled else { throw missing(script, detail: "") }
    }

    public func run(_ script: Script, _ arguments: [String], progress: @escaping @Sendable (Double) -> Void = { _ in })
        async throws
    {
        try requireInstalled(for: script)
        let output = try await runner.run(
            ProcessSpec(executable: python, arguments: ["-c", script.source] + arguments, timeout: timeout)
        ) { line in
            if let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let fraction = object["progress"] as? Double
            {
                progress(min(max(fraction, 0), 1))
            }
        }
        try Task.checkCancellation()
        switch output.exitCode {
        case 0: return
        case 3: throw missing(script, detail: Self.lastLine(output.stderrTail))
        default:
            throw MediaError(script.failure, "\(script.purpose) failed", detail: Self.lastLine(output.stderrTail))
        }
    }

    private func missing(_ script: Script, detail: String) -> MediaError {
        MediaError(
            .helpersMissing,
            "\(script.purpose) is not installed on this worker: run \(Self.installCommand) (make setup runs it), "
                + "or point helpersVenv (CLIPGEN_HELPERS_VENV) at the environment it made", detail: detail)
    }

    /// The helper's last words on stderr, without the warnings its libraries print first.
    static func lastLine(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter {
                !$0.isEmpty && !$0.hasPrefix("W0000") && !$0.hasPrefix("I0000") && !$0.hasPrefix("INFO:")
                    && !$0.hasPrefix("WARNING:")
            }
        // Paths are the worker's business, not the client's.
        let last = (lines.last ?? "").replacingOccurrences(of: #"/[^\s'"]+"#, with: "…", options: .regularExpression)
        return String(last.prefix(300))
    }
}
