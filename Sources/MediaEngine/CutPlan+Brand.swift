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

/// A brand kit's caption font: its family, and the directory libass reads it from (the font alone).
public struct CaptionFont: Sendable, Equatable {
    public var family: String
    public var directory: String

    public init(family: String, directory: String) {
        self.family = family
        self.directory = directory
    }
}

/// A brand kit's intro and outro, probed: joined before and after a video clip's own pictures.
public struct Bookends: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// The file, local to the worker, already accepted by the prober.
        public var path: String
        /// Seconds used (at most `BrandKit.longestBookend`).
        public var duration: Double
        public var hasAudio: Bool

        public init(path: String, duration: Double, hasAudio: Bool) {
            self.path = path
            self.duration = min(duration, BrandKit.longestBookend)
            self.hasAudio = hasAudio
        }

        /// A user's file as a bookend, once FFmpeg has accepted it as a video.
        public init(probing path: String, with prober: Prober) async throws {
            let media = try await prober.probe(path)
            guard media.video != nil else { throw MediaError(.noVideoStream, "the file has no pictures") }
            self.init(path: path, duration: media.duration, hasAudio: media.defaultAudio != nil)
        }
    }

    public var intro: Part?
    public var outro: Part?

    public init(intro: Part?, outro: Part?) {
        self.intro = intro
        self.outro = outro
    }

    public var duration: Double { (intro?.duration ?? 0) + (outro?.duration ?? 0) }
}

extension CutPlan {
    /// The intro and outro this plan really joins: video formats only (an animation or a sound
    /// file is the clip alone).
    var joinedBookends: Bookends? {
        switch options.format {
        case .mp4, .webm, .mov, .hls: bookends
        case .gif, .webp, .m4a, .mp3, .wav: nil
        }
    }

    /// Seconds of intro before the source's first frame in the output.
    public var introDuration: Double? { mode == .keyframe ? nil : joinedBookends?.intro?.duration }

    /// The stretch of a rendered file of `duration` seconds that is the source's, between the
    /// intro and the outro.
    public func sourcePart(ofDuration duration: Double) -> ClosedRange<Double> {
        guard mode != .keyframe, let bookends = joinedBookends else { return 0...duration }
        let start = min(bookends.intro?.duration ?? 0, duration)
        return start...max(start, duration - (bookends.outro?.duration ?? 0))
    }

    /// Seconds the encoder writes: the clip and any intro and outro.
    var encodedDuration: Double { renderedDuration + (joinedBookends?.duration ?? 0) }

    /// The inputs and graph of a clip with an intro or outro, in one encode: the source's range
    /// through the clip's own chain; each bookend (read for at most its used seconds) scaled into
    /// the clip's picture with bars, at the clip's rate, silence standing in for missing sound; then
    /// `concat` and the encoder's own pixel format.
    func bookendArguments(_ bookends: Bookends) -> [String] {
        var args = ["-ss", Self.seconds(seekTime), "-t", Self.seconds(outputDuration)] + InputPolicy.input(input)
        let parts = [bookends.intro, bookends.outro].compactMap { $0 }
        for part in parts {
            args += ["-t", Self.seconds(part.duration)] + InputPolicy.input(part.path)
        }
        let (width, height) = outputSize
        let rate = Self.number(min(options.fps ?? .infinity, sourceFPS ?? 30))
        let sound = audioStreamIndex != nil
        var graph = ["[0:v:0]\(videoFilters().joined(separator: ",")),setsar=1[mainv]"]
        if let audioStreamIndex {
            graph.append(
                "[0:\(audioStreamIndex)]\((audioFilters() + ["aresample=48000"]).joined(separator: ","))[maina]")
        }
        // Inputs 1 and 2 are the intro and outro that exist, in that order; the source is input 0.
        var names: [String] = []
        var index = 0
        for (name, part) in [("intro", bookends.intro), ("main", nil), ("outro", bookends.outro)] {
            guard let part else {
                if name == "main" { names.append(name) }
                continue
            }
            index += 1
            graph.append(
                "[\(index):v:0]scale=\(width):\(height):force_original_aspect_ratio=decrease,"
                    + "pad=\(width):\(height):(ow-iw)/2:(oh-ih)/2,setsar=1,fps=\(rate)[\(name)v]")
            if sound {
                graph.append(
                    part.hasAudio
                        ? "[\(index):a:0]aresample=48000[\(name)a]"
                        : "anullsrc=r=48000:cl=stereo,atrim=duration=\(Self.seconds(part.duration))[\(name)a]")
            }
            names.append(name)
        }
        let streams = names.map { sound ? "[\($0)v][\($0)a]" : "[\($0)v]" }.joined()
        let joined = "\(streams)concat=n=\(names.count):v=1:a=\(sound ? 1 : 0)"
        graph.append(sound ? joined + "[joinedv][a]" : joined + "[joinedv]")
        graph.append("[joinedv]\(uploadFilters.joined(separator: ","))[v]")
        args += ["-filter_complex", graph.joined(separator: ";"), "-map", "[v]"]
        if sound { args += ["-map", "[a]"] }
        args += videoCodecArguments
        if sound { args += audioCodecArguments + audioChannelArguments }
        return args + ["-sn", "-dn", "-map_metadata", "-1"] + containerArguments + [muxerOutput]
    }

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
