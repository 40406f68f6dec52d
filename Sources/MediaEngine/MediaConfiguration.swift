import ClipGenCore

/// Where FFmpeg is and how long it may run, with a default for every field.
public struct MediaConfiguration: Sendable {
    /// ffmpeg executable, looked up on PATH by default.
    public var ffmpegPath = "ffmpeg"
    /// ffprobe executable, looked up on PATH by default.
    public var ffprobePath = "ffprobe"
    /// Longest any one FFmpeg child may run; default 3600 s.
    public var timeoutSeconds = 3600.0
    /// Scratch space for renders; default `<dataDir>/tmp`.
    public var scratchDirectory: String?
    /// Most bytes of sources a worker keeps in its local cache; default 20 GiB.
    public var sourceCacheBytes: Int64 = 20 << 30
    /// The virtual environment with the speech and face helpers' packages (scripts/setup-helpers.sh
    /// makes it); default `.venv-helpers` in the working directory.
    public var helpersVenv = ".venv-helpers"
    /// Sources longer than this are analysed and transcribed in segments about this long, on any
    /// workers at once; 0 does every source in one pass. Default 600 s.
    public var analysisSegmentSeconds = 600.0

    public init() {}

    public static let keys = [
        ConfigurationKey("ffmpegPath", "ffmpeg executable (ffmpeg)"),
        ConfigurationKey("ffprobePath", "ffprobe executable (ffprobe)"),
        ConfigurationKey("mediaTimeoutSeconds", "longest one FFmpeg run may take (3600)"),
        ConfigurationKey("scratchDir", "render scratch directory (<dataDir>/tmp)"),
        ConfigurationKey("sourceCacheBytes", "most bytes of sources a worker caches locally (21474836480)"),
        ConfigurationKey("helpersVenv", "virtual environment of the speech and face helpers (.venv-helpers)"),
        ConfigurationKey(
            "analysisSegmentSeconds",
            "sources longer than this are analysed and transcribed in segments across workers; 0: never (600)"
        ),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        ffmpegPath = values.string("ffmpegPath") ?? ffmpegPath
        ffprobePath = values.string("ffprobePath") ?? ffprobePath
        timeoutSeconds = try values.double("mediaTimeoutSeconds", in: 1...604_800) ?? timeoutSeconds
        scratchDirectory = values.string("scratchDir")
        sourceCacheBytes = try values.int("sourceCacheBytes", in: 0...Int.max).map(Int64.init) ?? sourceCacheBytes
        helpersVenv = values.string("helpersVenv") ?? helpersVenv
        analysisSegmentSeconds = try values.double("analysisSegmentSeconds", in: 0...604_800) ?? analysisSegmentSeconds
    }
}
