import ClipGenCore

/// A brand kit's logo, laid over every picture last (over the captions too).
public struct LogoOverlay: Sendable, Equatable {
    /// The logo's file, local to the worker.
    public var path: String
    public var position: BrandKit.Corner
    public var opacity: Double
    /// Width as a share of the clip's.
    public var size: Double

    public init(path: String, position: BrandKit.Corner, opacity: Double, size: Double) {
        self.path = path
        self.position = position
        self.opacity = opacity
        self.size = size
    }
}

extension CutPlan {
    /// The size pictures leave the chain at: the crop scaled to the height asked (or an
    /// animation's cap, or an upscale's target), even.
    var outputSize: (width: Int, height: Int) {
        let (w, h) = shownSize
        let even = { (value: Double) in max(2, Int((value / 2).rounded()) * 2) }
        var height = even(Double(h))
        if let asked = options.height {
            height = asked
        } else if options.format.isAnimation {
            height = min(480, height)
        } else if let target = enhancement.upscale?.height, h < target {
            height = target
        }
        return (even(Double(w) * Double(height) / Double(max(h, 1))), height)
    }

    /// The overlay as one piece of the chain: the main picture labelled, the logo read once
    /// (`movie`, its one frame held to the end), sized, made translucent, and laid in its corner
    /// a margin of 4 % of the width from the edges.
    var logoFilter: String? {
        guard let logo else { return nil }
        let width = max(2, Int((Double(outputSize.width) * logo.size / 2).rounded()) * 2)
        let margin = max(2, outputSize.width * 4 / 100)
        let x = logo.position == .topLeft || logo.position == .bottomLeft ? "\(margin)" : "W-w-\(margin)"
        let y = logo.position == .topLeft || logo.position == .topRight ? "\(margin)" : "H-h-\(margin)"
        // image2pipe: the logo is a user's file, read as a picture and nothing else (no playlist, no URL).
        return
            "null[brandmain];movie=filename='\(Self.quoted(logo.path))':format_name=image2pipe,scale=\(width):-2,format=rgba,"
            + "colorchannelmixer=aa=\(Self.number(logo.opacity))[brandlogo];"
            + "[brandmain][brandlogo]overlay=x=\(x):y=\(y):eof_action=repeat:format=auto"
    }
}
