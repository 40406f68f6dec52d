import Foundation
import HTTPTypes
import TestSupport
import Testing

/// `PUT /v1/brand` and `"brand": true`: the organisation's logo laid over its clips, in its
/// corner, at its opacity; smart cut falls back and says why; a job cannot ask for a kit that is
/// not there; a font is read for its family and anything else refused; the intro and outro are
/// joined to the clip, and one FFmpeg cannot read fails the job that uses it.
@Suite(.serialized) struct BrandKitTests {
    @Test func theBrandKitIsAppliedToTheClipsOfAJobThatAsks() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let logo = dir + "/logo.png"
            // Solid red, 200x100, with an alpha channel.
            let made = try Shell.run(
                "ffmpeg",
                ["-v", "error", "-f", "lavfi", "-i", "color=c=red:s=200x100,format=rgba", "-frames:v", "1", logo])
            #expect(made.status == 0, "\(made.stderr)")
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let (refused, noKit) = try await client.postJSON(
                    "/v1/jobs", #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":2,"end":4}],"brand":true}"#)
                #expect(refused == 422 && "\(noKit)".contains("PUT /v1/brand"), "\(noKit)")
                let logoUpload = try await client.upload(logo)
                let (status, saved) = try await client.putJSON(
                    "/v1/brand",
                    #"{"logo":{"uploadId":"\#(logoUpload)","position":"bottom-left","opacity":1,"size":0.25}}"#)
                #expect(status == 200 && (saved["logo"] as? [String: Any])?["position"] as? String == "bottom-left")
                #expect(try await client.getJSON("/v1/brand")["logo"] != nil)

                let id = try await client.createJob(
                    #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":2.5,"end":9}],"brand":true,"output":{"mode":"smart"}}"#
                )
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let clip = try #require(job.clips.first)
                #expect(clip["modeUsed"] as? String == "exact")
                #expect((clip["fallbackReason"] as? String)?.contains("logo") == true, "\(clip)")
                let file = dir + "/branded.mp4"
                try await client.download(clip["url"] as? String ?? "").2.write(to: URL(fileURLWithPath: file))
                // 640x360: the logo is 160x80, 25 px from the left and bottom edges.
                let frame = try MediaMeasure.rgbFrame(file, index: 30)
                let inside = frame.pixel(x: 105, y: 295)
                #expect(inside.red > 200 && inside.green < 60 && inside.blue < 60, "\(inside)")
                let outside = frame.pixel(x: 105, y: 200)
                #expect(!(outside.red > 200 && outside.green < 60 && outside.blue < 60), "\(outside)")

                // The rest of the kit: a font (its family read back), an intro and an outro.
                let fontFile = dir + "/brand.ttf"
                try BrandFont.write(to: fontFile)
                let font = try await client.upload(fontFile)
                let intro = dir + "/intro.mp4"
                let made2 = try Shell.run(
                    "ffmpeg",
                    ["-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=25:d=4", "-c:v", "libx264", intro])
                #expect(made2.status == 0, "\(made2.stderr)")
                let introUpload = try await client.upload(intro)
                let (full, kit) = try await client.putJSON(
                    "/v1/brand",
                    #"{"font":{"uploadId":"\#(font)"},"intro":{"uploadId":"\#(introUpload)"},"outro":{"uploadId":"\#(introUpload)"}}"#
                )
                #expect(
                    full == 200 && (kit["font"] as? [String: Any])?["family"] as? String == BrandFont.family, "\(kit)")
                let bookended = try await client.waitForJob(
                    try await client.createJob(
                        #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":2,"end":5}],"brand":true,"quality":true,"output":{"mode":"exact"}}"#
                    ))
                let joined = try #require(bookended.clips.first, "\(bookended)")
                #expect(abs((joined["duration"] as? Double ?? 0) - 11) < 0.1, "\(joined)")
                #expect(joined["intro"] as? Double == 4, "\(joined)")
                // Measured against the source over the clip's own part, the intro skipped.
                let psnr = (joined["quality"] as? [String: Any])?["psnr"] as? Double ?? 0
                #expect(psnr > 30, "\(joined)")
                // The poster is the clip's own picture, not the (blue) intro or outro: a third of the
                // file's 11 s would be inside the intro.
                let posterFile = dir + "/poster.jpg"
                try await client.download(joined["thumbnailUrl"] as? String ?? "").2.write(
                    to: URL(fileURLWithPath: posterFile))
                let poster = try MediaMeasure.rgbFrame(posterFile, index: 0)
                let blues = stride(from: 20, to: 620, by: 40).filter { x in
                    let pixel = poster.pixel(x: x, y: 180)
                    return pixel.blue > 200 && pixel.red < 60 && pixel.green < 60
                }
                #expect(blues.count < 5, "\(blues)")

                // Not a font; an intro FFmpeg cannot read fails the job that uses it, and says which.
                let (notFont, notFontBody) = try await client.putJSON(
                    "/v1/brand", #"{"font":{"uploadId":"\#(introUpload)"}}"#)
                #expect(notFont == 422 && "\(notFontBody)".contains("font.uploadId"), "\(notFontBody)")
                let junk = dir + "/intro.txt"
                try Data("not a video".utf8).write(to: URL(fileURLWithPath: junk))
                let junkUpload = try await client.upload(junk)
                #expect(try await client.putJSON("/v1/brand", #"{"intro":{"uploadId":"\#(junkUpload)"}}"#).0 == 200)
                let failed = try await client.waitForJob(
                    try await client.createJob(
                        #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":2,"end":5}],"brand":true,"output":{"mode":"exact"}}"#
                    ))
                #expect(failed.status == "failed", "\(failed)")
                let message = (failed["error"] as? [String: Any])?["message"] as? String
                #expect(message?.contains("brand kit's intro could not be read") == true, "\(failed)")

                let (bad, badBody) = try await client.putJSON(
                    "/v1/brand", #"{"logo":{"uploadId":"\#(logoUpload)","opacity":3}}"#)
                #expect(bad == 422 && "\(badBody)".contains("logo.opacity"), "\(badBody)")
                try await client.delete("/v1/brand")
                let (gone, _, _) = try await client.download("/v1/brand")
                #expect(gone == .notFound)
            }
        }
    }
}
