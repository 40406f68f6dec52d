/// The H.264 encoder a render uses: software x264 everywhere; NVENC or VAAPI where a worker
/// proved at start-up that the GPU works (see `HardwareDetector`).
public enum VideoEncoder: String, Sendable, Equatable, Codable, CaseIterable {
    case libx264
    case nvenc = "h264_nvenc"
    case vaapi = "h264_vaapi"

    static let vaapiDevice = "/dev/dri/renderD128"

    /// Options before the input: NVENC decodes on the GPU too; VAAPI needs its device opened.
    var decodeArguments: [String] {
        switch self {
        case .libx264: []
        case .nvenc: ["-hwaccel", "cuda"]
        case .vaapi: ["-vaapi_device", Self.vaapiDevice]
        }
    }

    /// The last filters of the chain: frames leave system memory as the encoder wants them.
    var uploadFilters: [String] {
        switch self {
        case .libx264, .nvenc: ["format=yuv420p"]
        case .vaapi: ["format=nv12", "hwupload"]
        }
    }

    var encodeArguments: [String] {
        switch self {
        case .libx264:
            ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high"]
        case .nvenc:
            // Constant-quality VBR, comparable to crf 20 on x264.
            ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-cq", "21", "-b:v", "0", "-profile:v", "high"]
        case .vaapi:
            ["-c:v", "h264_vaapi", "-qp", "21", "-profile:v", "high"]
        }
    }

    public var isHardware: Bool { self != .libx264 }
}
