import ClipGenCore
import Foundation
import Testing

@Suite struct IDTests {
    struct Wire: Codable, Equatable {
        var id: JobID
        var organizationId: OrganizationID
        var uploadId: UploadID?
    }

    @Test func idsAreThePlainStringOnTheWire() throws {
        let value = Wire(id: .make(), organizationId: .make(), uploadId: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(json == #"{"id":"\#(value.id.rawValue)","organizationId":"\#(value.organizationId.rawValue)"}"#)
        #expect(try JSONDecoder().decode(Wire.self, from: Data(json.utf8)) == value)
        #expect(value.id.rawValue == value.id.rawValue.lowercased() && UUID(uuidString: value.id.rawValue) != nil)
    }

    @Test func textFromAClientBecomesAnIdOnlyWhenItCouldBeOne() {
        let issued = JobID.make()
        #expect(JobID(issued.rawValue) == issued)
        for text in [
            "", "1", "../etc/passwd", "' OR 1=1 --", String(repeating: "a", count: 10_000), issued.rawValue + "x",
        ] {
            #expect(JobID(text) == nil, "\(text.prefix(40))")
        }
    }
}
