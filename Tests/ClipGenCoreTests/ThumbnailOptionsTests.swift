import ClipGenCore
import Foundation
import Testing

@Suite struct ThumbnailOptionsTests {
    func decode(_ json: String) throws -> JobRequest {
        try JSONDecoder().decode(
            JobRequest.self,
            from: Data(#"{"source":{"uploadId":"u"},"clips":[{"start":0,"end":1}]\#(json)}"#.utf8))
    }

    @Test func aBooleanOrAnObjectAsksForThumbnails() throws {
        #expect(try decode("").makesThumbnails && decode("").thumbnails == nil)
        #expect(try decode(#","thumbnails":true"#).thumbnails == ThumbnailOptions(enabled: true, exact: false))
        #expect(try !decode(#","thumbnails":false"#).makesThumbnails)
        #expect(try decode(#","thumbnails":{"exact":true}"#).thumbnails == ThumbnailOptions(exact: true))
        #expect(try decode(#","thumbnails":{}"#).thumbnails == true)
        #expect(throws: DecodingError.self) { try decode(#","thumbnails":"yes""#) }
        #expect(ThumbnailOptions(enabled: false, exact: true) == false, "no posters, so none exact")
    }

    @Test func itIsWrittenBackAsTheClientWroteIt() throws {
        for json in [#"true"#, #"false"#, #"{"exact":true}"#] {
            let options = try JSONDecoder().decode(ThumbnailOptions.self, from: Data(json.utf8))
            #expect(String(decoding: try JSONEncoder().encode(options), as: UTF8.self) == json)
        }
    }
}
