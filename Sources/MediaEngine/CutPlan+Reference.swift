import ClipGenCore

extension CutPlan {
    /// FFmpeg arguments that compare a rendered clip (input 0) with its source range (input 1)
    /// passed through the same picture filters the render used, frame by frame by index:
    /// PSNR and SSIM, printed as their summary lines on stderr.
    /// `skipping`: seconds at the clip's start that are not the source's (a brand's intro, as the
    /// clip recorded it); `shortest` leaves an outro out.
    public func qualityArguments(clip: String, skipping intro: Double? = nil) -> [String] {
        // A stream copy applied no filters; anything re-encoded went through `videoFilters()`.
        let chain = mode == .keyframe ? "null" : videoFilters().joined(separator: ",")
        let graph =
            "[0:v:0]format=yuv420p,settb=1/1000,setpts=N,split[d1][d2];"
            + "[1:v:0]\(chain),format=yuv420p,settb=1/1000,setpts=N,split[r1][r2];"
            + "[d1][r1]psnr=shortest=1[p];[d2][r2]ssim=shortest=1[s]"
        // The source range is limited on the input side, so `shortest` ends the comparison at
        // the range's end even where a stream copy ran on to the next keyframe.
        return [
            "-hide_banner", "-nostdin", "-nostats", "-v", "info",
        ] + (intro.map { ["-ss", Self.seconds($0)] } ?? []) + [
            "-i", clip,
            "-ss", Self.seconds(seekTime), "-t", Self.seconds(outputDuration),
        ] + InputPolicy.input(input) + [
            "-filter_complex", graph, "-map", "[p]", "-f", "null", "-", "-map", "[s]", "-f", "null", "-",
        ]
    }
}
