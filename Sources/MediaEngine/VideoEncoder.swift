/// The H.264 encoder a render uses: software x264 everywhere, NVENC where a worker found a GPU.
public enum VideoEncoder: String, Sendable, Equatable, Codable {
    case libx264
    case nvenc = "h264_nvenc"

    /// Decode on the GPU too, so frames need not cross to system memory and back for decoding.
    var decodeArguments: [String] {
        switch self {
        case .libx264: []
        case .nvenc: ["-hwaccel", "cuda"]
        }
    }

    var encodeArguments: [String] {
        switch self {
        case .libx264:
            ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high"]
        case .nvenc:
            // Constant-quality VBR, comparable to crf 20 on x264.
            ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-cq", "21", "-b:v", "0", "-profile:v", "high"]
        }
    }
}
