import ClipGenCore
import Foundation
import Server
import TestSupport
import Testing

/// Transcripts, captions, silence cuts and face reframing through the real server, workers,
/// FFmpeg and the Python helpers; and a worker without the helpers.
@Suite(.serialized) struct SpeechAndFacesEndToEndTests {
    static func configuration(_ dir: String, venv: String = TestMedia.helpersVenv) -> ClipGenConfiguration {
        var c = ServerHarness.configuration(dataDir: dir + "/data")
        c.media.helpersVenv = venv
        return c
    }

    /// Cues of an SRT or VTT file: (start, end, text), seconds.
    static func cues(_ text: String) -> [(Double, Double, String)] {
        func seconds(_ stamp: Substring) -> Double {
            let parts = stamp.replacingOccurrences(of: ",", with: ".").split(separator: ":").compactMap { Double($0) }
            return parts.count == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : -1
        }
        return text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let index = lines.firstIndex(where: { $0.contains(" --> ") }), index + 1 < lines.count else {
                return nil
            }
            let times = lines[index].components(separatedBy: " --> ")
            return (
                seconds(Substring(times[0])), seconds(Substring(times[1])), lines[(index + 1)...].joined(separator: " ")
            )
        }
    }

    /// espeak-ng saying "um" and "uh" inside two sentences: the fillers Whisper heard are cut,
    /// every other word stays whole in the clip, and its subtitles follow the cut timeline.
    @Test func fillerWordsAreCutAndNoOtherWordIsClipped() async throws {
        let source = try await TestMedia.shared.path("fillers.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(Self.configuration(dir)) { client in
                let upload = try await client.upload(source)
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":8.5}],"thumbnails":false,
                     "output":{"mode":"exact","removeFillers":{"words":["um","uh"],"padding":0.05}}}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let transcript = try JSONDecoder().decode(
                    Transcript.self, from: try await client.download("/v1/jobs/\(id)/transcript").2)
                let clip = try #require(job.clips.first)
                let kept = (clip["keptRanges"] as? [[String: Double]] ?? []).map {
                    TimeRange(start: $0["start"] ?? 0, end: $0["end"] ?? 0)
                }
                let fillers = transcript.words.filter { ["um", "uh"].contains($0.bare) }
                #expect(!fillers.isEmpty, "Whisper heard no filler: \(transcript.words.map(\.text))")
                // Kept ranges are written to the millisecond.
                func inside(_ word: Transcript.Word) -> Bool {
                    kept.contains { $0.start <= word.start + 0.002 && word.end <= $0.end + 0.002 }
                }
                for filler in fillers {
                    #expect(
                        !kept.contains { $0.contains((filler.start + filler.end) / 2) }, "\(filler) is cut: \(kept)")
                }
                for word in transcript.words where !fillers.contains(word) {
                    #expect(inside(word), "\(word) is whole in \(kept)")
                }
                let length = kept.reduce(0) { $0 + $1.duration }
                #expect(abs((clip["duration"] as? Double ?? 0) - length) < 0.1, "\(clip)")
                let srt = String(
                    decoding: try await client.download(clip["captionsSrtUrl"] as? String ?? "").2, as: UTF8.self)
                #expect(
                    srt.contains("market") && !srt.lowercased().contains("um,") && !srt.lowercased().contains(" uh"),
                    "\(srt)")
            }
        }
    }

    @Test func captionedClipsTranscriptsAndHighlightsByWhatIsSaid() async throws {
        let source = try await TestMedia.shared.path("speech.mp4")
        try await withTemporaryDirectory { dir in
            let upload = try await ServerHarness.run(Self.configuration(dir)) { client in
                let upload = try await client.upload(source)
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"clips":[{"start":6,"end":18}],"highlights":{"count":1,
                        "minDuration":4,"maxDuration":8,"query":"pricing"},
                     "output":{"mode":"exact","aspect":"9:16","height":320,"captions":{"style":"karaoke",
                         "maxWordsPerLine":3},
                               "removeSilences":{"minSilence":0.6,"padding":0.15}},"thumbnails":false}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")

                let (status, _, body) = try await client.download("/v1/jobs/\(id)/transcript")
                #expect(status == .ok)
                let transcript = try JSONDecoder().decode(Transcript.self, from: body)
                #expect(
                    transcript.words.count > 40 && transcript.words.contains { $0.bare == "pricing" },
                    "\(transcript.words.count)")
                let srt = String(
                    decoding: try await client.download("/v1/jobs/\(id)/transcript?format=srt").2, as: UTF8.self)
                #expect(Self.cues(srt).count >= 6 && Self.cues(srt).first!.0 < 1.5, "\(srt)")
                let vtt = try await client.download("/v1/jobs/\(id)/transcript?format=vtt")
                #expect(vtt.0 == .ok && String(decoding: vtt.2, as: UTF8.self).hasPrefix("WEBVTT\n"))
                #expect(try await client.download("/v1/jobs/\(id)/transcript?format=doc").0 == .badRequest)

                #expect(job.clips.count == 2)
                let ranged = try #require(job.clips.first { $0["index"] as? Int == 0 })
                // 6–18 s holds two sentences and a 3 s pause between them: the pause is cut.
                let kept = try #require(ranged["keptRanges"] as? [[String: Double]], "\(ranged)")
                #expect(kept.count == 2, "\(kept)")
                let duration = ranged["duration"] as? Double ?? 0
                #expect(duration < 9 && duration > 5, "\(duration)")
                #expect((ranged["captions"] as? [String: Any])?["burnedIn"] as? String == "karaoke", "\(ranged)")
                let clipSRT = String(
                    decoding: try await client.download("/v1/clips/\(ranged["id"]!)/captions.srt").2, as: UTF8.self)
                let clipCues = Self.cues(clipSRT)
                // On the clip's clock: from its start, never past its end, in order.
                #expect(
                    !clipCues.isEmpty && clipCues.allSatisfy { $0.0 >= 0 && $0.1 <= duration + 0.35 && $0.0 < $0.1 },
                    "\(clipSRT) (\(duration) s)")
                #expect(clipCues.first.map { $0.2.hasPrefix("Today") } == true, "\(clipSRT)")
                #expect(
                    clipCues.contains { $0.2.contains("customers") },
                    "the sentence after the cut pause is there: \(clipSRT)")
                let clipVTT = try await client.download("/v1/clips/\(ranged["id"]!)/captions.vtt")
                #expect(
                    clipVTT.0 == .ok && Self.cues(String(decoding: clipVTT.2, as: UTF8.self)).count == clipCues.count)

                // Rendered again with another caption style and a word corrected: the transcript is
                // reused (no transcribe stage), and the new version's words carry the correction.
                let today = try #require(transcript.words.first { $0.bare == "today" })
                let (rerendered, created) = try await client.postJSON(
                    "/v1/clips/\(ranged["id"]!)/renders",
                    #"""
                    {"output":{"mode":"exact","aspect":"9:16","height":320,"captions":{"style":"boxed"},
                     "removeSilences":{"minSilence":0.6,"padding":0.15}},
                     "corrections":[{"time":\#((today.start + today.end) / 2),"text":"Tomorrow"}]}
                    """#)
                #expect(rerendered == 202 && created["stage"] as? String == "render", "\(created)")
                let again = try await client.waitForJob(created["id"] as? String ?? "")
                #expect(again.status == "succeeded", "\(again)")
                let version = try #require(again.clips.first)
                #expect((version["captions"] as? [String: Any])?["burnedIn"] as? String == "boxed", "\(version)")
                let versionSRT = String(
                    decoding: try await client.download("/v1/clips/\(version["id"]!)/captions.srt").2, as: UTF8.self)
                #expect(Self.cues(versionSRT).first.map { $0.2.hasPrefix("Tomorrow") } == true, "\(versionSRT)")

                // The brand kit's font and intro on a captioned clip: the words come 1 s later, the
                // intro's length, in the clip's SRT as in its picture.
                let fontFile = dir + "/brand.ttf"
                try BrandFont.write(to: fontFile)
                let intro = dir + "/intro.mp4"
                let made = try Shell.run(
                    "ffmpeg",
                    ["-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=180x320:r=30:d=1", "-c:v", "libx264", intro])
                #expect(made.status == 0, "\(made.stderr)")
                let (font, introUpload) = (try await client.upload(fontFile), try await client.upload(intro))
                let (saved, kit) = try await client.putJSON(
                    "/v1/brand", #"{"font":{"uploadId":"\#(font)"},"intro":{"uploadId":"\#(introUpload)"}}"#)
                #expect(saved == 200, "\(kit)")
                let branded = try await client.waitForJob(
                    try await client.createJob(
                        #"""
                        {"source":{"uploadId":"\#(upload)"},"clips":[{"start":6,"end":10}],"brand":true,
                         "output":{"mode":"exact","height":180,"captions":{"style":"boxed"}},"thumbnails":false}
                        """#))
                let brandedClip = try #require(branded.clips.first, "\(branded)")
                #expect(brandedClip["intro"] as? Double == 1, "\(brandedClip)")
                let brandedSRT = String(
                    decoding: try await client.download("/v1/clips/\(brandedClip["id"]!)/captions.srt").2,
                    as: UTF8.self)
                let firstCue = try #require(Self.cues(brandedSRT).first, "\(brandedSRT)")
                // "Today" is said 1 s into the range; with the intro, 2 s into the clip.
                #expect(firstCue.0 > 1.7 && firstCue.2.hasPrefix("Today"), "\(brandedSRT)")

                let highlight = try #require(job.clips.first { $0["index"] as? Int == 1 })
                #expect((highlight["reason"] as? String)?.contains("says “pricing”") == true, "\(highlight)")
                for edge in [highlight["start"] as? Double ?? -1, highlight["end"] as? Double ?? -1] {
                    #expect(
                        transcript.word(containing: edge) == nil,
                        "\(edge) is inside \(String(describing: transcript.word(containing: edge)))")
                }
                // A job that did not transcribe has no transcript to show.
                let plain = try await client.createJob(
                    #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}],"thumbnails":false}"#)
                _ = try await client.waitForJob(plain)
                #expect(try await client.download("/v1/jobs/\(plain)/transcript").0 == .notFound)
                return upload
            }

            // A worker without the helpers: the transcript kept beside the upload is reused, a new
            // source's transcription fails with the install command, a face crop likewise, and a
            // plain job runs as ever.
            try await ServerHarness.run(Self.configuration(dir, venv: dir + "/no-helpers")) { client in
                let reused = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"clips":[{"start":20,"end":24}],"output":{"mode":"exact",
                        "height":180,"captions":{"style":"plain"}},"thumbnails":false}
                    """#)
                #expect(try await client.waitForJob(reused).status == "succeeded")
                let other = try await client.upload(try await TestMedia.shared.path("gop2s.mp4"))
                let failing = try await client.createJob(
                    #"{"source":{"uploadId":"\#(other)"},"transcribe":true,"thumbnails":false}"#)
                let faces = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(other)"},"clips":[{"start":0,"end":2}],"output":{"aspect":"9:16",
                        "reframe":"face"},"thumbnails":false}
                    """#)
                let fine = try await client.createJob(
                    #"{"source":{"uploadId":"\#(other)"},"clips":[{"start":2,"end":4}],"thumbnails":false}"#)
                for id in [failing, faces] {
                    let job = try await client.waitForJob(id)
                    let error = job["error"] as? [String: Any]
                    #expect(job.status == "failed" && error?["code"] as? String == "helpers_missing", "\(job)")
                    #expect((error?["message"] as? String)?.contains("scripts/setup-helpers.sh") == true, "\(job)")
                    #expect(
                        (error?["message"] as? String)?.contains(dir) == false, "no worker path in a client's error")
                }
                #expect(try await client.waitForJob(fine).status == "succeeded")
            }
        }
    }

    /// `clipgen transcribe` and `clipgen clip` with captions, a face crop and pause cuts, as a user runs them.
    @Test func transcribeAndClipWithCaptionsAndAFaceCrop() async throws {
        let source = try await TestMedia.shared.path("speech.mp4")
        let venv = ["--helpers-venv", TestMedia.helpersVenv]
        let srt = try Shell.run(TestMediaPaths.clipgen, ["transcribe", source, "--format", "srt"] + venv)
        #expect(srt.status == 0, "\(srt.stderr)")
        let text = String(decoding: srt.stdout, as: UTF8.self)
        #expect(text.hasPrefix("1\n00:00:0") && text.lowercased().contains("pricing"), "\(text)")
        try await withTemporaryDirectory { dir in
            let out = dir + "/short.mp4"
            // testsrc2 has no face: the face crop fits the whole picture instead.
            let result = try Shell.run(
                TestMediaPaths.clipgen,
                [
                    "clip", source, "--start", "6", "--end", "18", "--aspect", "9:16", "--height", "320",
                    "--reframe", "face", "--captions", "karaoke", "--remove-silences", "--out", out,
                ] + venv)
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
            #expect(
                (summary?["reframe"] as? [String: Any])?["layout"] as? String == "fit", "\(String(describing: summary))"
            )
            #expect(((summary?["captions"] as? [String: Any])?["lines"] as? Int ?? 0) >= 4)
            #expect((summary?["keptRanges"] as? [Any])?.count == 2 && (summary?["duration"] as? Double ?? 99) < 9)
            let vtt = try String(contentsOfFile: dir + "/short.vtt", encoding: .utf8)
            #expect(vtt.hasPrefix("WEBVTT") && FileManager.default.fileExists(atPath: dir + "/short.srt"))
            // The brand's font and intro from the command line; the SRT is on the file's clock.
            try BrandFont.write(to: dir + "/brand.ttf")
            let intro = try Shell.run(
                "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=30:d=1", dir + "/intro.mp4"])
            #expect(intro.status == 0, "\(intro.stderr)")
            let branded = try Shell.run(
                TestMediaPaths.clipgen,
                [
                    "clip", source, "--start", "6", "--end", "10", "--height", "180", "--captions", "boxed",
                    "--caption-font", dir + "/brand.ttf", "--intro", dir + "/intro.mp4", "--out", dir + "/branded.mp4",
                ] + venv)
            #expect(branded.status == 0, "\(branded.stderr)")
            let brandedSummary = try JSONSerialization.jsonObject(with: branded.stdout) as? [String: Any]
            #expect(brandedSummary?["intro"] as? Double == 1, "\(String(describing: brandedSummary))")
            let brandedSRT = try String(contentsOfFile: dir + "/branded.srt", encoding: .utf8)
            #expect(Self.cues(brandedSRT).first.map { $0.0 > 1.7 } == true, "\(brandedSRT)")
            for (arguments, mentioned) in [
                (["--captions", "comic"], "--captions"), (["--reframe", "face"], "--reframe"),
                (["--caption-font", "/etc/hostname"], "--caption-font"),
            ] {
                let bad = try Shell.run(
                    TestMediaPaths.clipgen,
                    ["clip", source, "--start", "0", "--end", "2", "--out", dir + "/bad.mp4"] + arguments)
                #expect(
                    bad.status != 0 && bad.stderr.split(separator: "\n").first?.contains(mentioned) == true,
                    "\(bad.stderr)")
                #expect(!FileManager.default.fileExists(atPath: dir + "/bad.mp4"))
            }
        }
    }
}
