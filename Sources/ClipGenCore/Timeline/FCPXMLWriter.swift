import Foundation

/// Final Cut Pro XML 1.9: the source as one asset, a project whose spine holds one asset-clip
/// per kept range, markers inside the clip they fall in (in its source time, as FCPXML has
/// them) and captions as connected `caption` elements on lane 1.
enum FCPXMLWriter {
    static func write(_ timeline: EditTimeline) -> String {
        let rate = timeline.rate
        let time = rate.rationalSeconds
        let size =
            [timeline.source.width.map { " width=\"\($0)\"" }, timeline.source.height.map { " height=\"\($0)\"" }]
            .compactMap { $0 }.joined()
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE fcpxml>
            <fcpxml version="1.9">
              <resources>
                <format id="r1" frameDuration="\(time(1))"\(size)/>
                <asset id="r2" name="\(escape(timeline.source.name))" start="0s" duration="\(time(timeline.source.frames))" \
            hasVideo="1" hasAudio="\(timeline.source.hasAudio ? 1 : 0)" format="r1">
                  <media-rep kind="original-media" src="\(escape(fileURL(timeline.source.name)))"/>
                </asset>
              </resources>
              <library>
                <event name="ClipGen">
                  <project name="\(escape(timeline.name))">
                    <sequence format="r1" duration="\(time(timeline.frames))" tcStart="0s" tcFormat="NDF">
                      <spine>

            """
        for segment in timeline.segments {
            let end = segment.recordStart + segment.frames
            xml += """
                          <asset-clip ref="r2" name="\(escape(segment.name))" offset="\(time(segment.recordStart))" \
                start="\(time(segment.sourceStart))" duration="\(time(segment.frames))" format="r1">

                """
            // Children of a clip are placed in its source time.
            let local = { (record: Int) in segment.sourceStart + record - segment.recordStart }
            for marker in timeline.markers where marker.frame >= segment.recordStart && marker.frame < end {
                xml += """
                                <marker start="\(time(local(marker.frame)))" \
                    duration="\(time(min(marker.frames, end - marker.frame)))" value="\(escape(marker.name))"/>

                    """
            }
            for caption in timeline.captions where caption.frame >= segment.recordStart && caption.frame < end {
                xml += """
                                <caption lane="1" offset="\(time(local(caption.frame)))" \
                    duration="\(time(min(caption.frames, end - caption.frame)))" role="iTT?captionFormat=ITT.en">
                                  <text>\(escape(caption.text))</text>
                                </caption>

                    """
            }
            xml += "            </asset-clip>\n"
        }
        xml += """
                      </spine>
                    </sequence>
                  </project>
                </event>
              </library>
            </fcpxml>

            """
        return xml
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The source by its file name, for the editor to relink to where the file is kept.
    static func fileURL(_ name: String) -> String {
        "file:///" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "source")
    }
}
