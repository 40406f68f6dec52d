import ClipGenCore
import Foundation
import TestSupport
import Testing

/// Decoding and validating what a client sends: extreme numbers, huge arrays, deep nesting and
/// random JSON never trap, and the out-of-range ones are refused.
@Suite struct JobRequestFuzzTests {
    static let source = #""source":{"uploadId":"\#(Identifier.make())"}"#

    static func check(_ json: String) -> [FieldError]? {
        guard let request = try? JSONDecoder().decode(JobRequest.self, from: Data(json.utf8)) else { return nil }
        return request.validate()
    }

    @Test(arguments: [
        #""highlights":{"count":9223372036854775807}"#,
        #""highlights":{"count":-9223372036854775807}"#,
        #""highlights":{"count":-9223372036854775808}"#,
        #""highlights":{"count":9223372036854775807,"minDuration":1e308,"maxDuration":-1e308}"#,
        #""clips":[{"start":1e308,"end":1.7976931348623157e308}]"#,
        #""clips":[{"start":-1e308,"end":1e-320}]"#,
        #""clips":[{"start":"99999999999999999999:00:00","end":"99999999999999999999:59:59"}]"#,
        #""clips":[{"start":0,"end":10}],"output":{"height":9223372036854775807,"fps":1e308,"fadeSeconds":1e308}"#,
        #""clips":[{"start":0,"end":10}],"highlights":{"count":9223372036854775807}"#,
    ])
    func extremeNumbersAreRefusedNotComputedWith(_ fields: String) {
        let errors = Self.check("{\(Self.source),\(fields)}")
        #expect(errors == nil || !errors!.isEmpty, "\(fields) passed validation")
    }

    @Test func hugeArraysAreRefusedWithoutWalkingThem() {
        let clips = Array(repeating: #"{"start":0,"end":1}"#, count: 200_000).joined(separator: ",")
        let errors = Self.check("{\(Self.source),\"clips\":[\(clips)]}")
        #expect(errors?.map(\.field) == ["clips"], "one error for the count, not one per clip")
    }

    @Test func deepNestingIsADecodingErrorNotACrash() {
        for depth in [100, 1_000, 100_000] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            #expect(Self.check("{\(Self.source),\"clips\":\(nested)}") == nil)
            let deepOutput = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            #expect(Self.check(#"{\#(Self.source),"output":\#(deepOutput)}"#) != [])
        }
    }

    @Test func randomRequestsNeverTrap() {
        var random = SplitMix(seed: 42)
        let atoms = [
            "0", "-1", "1e308", "-1e308", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
            "0.5", "\"00:00:01\"", "\"\"", "null", "true", "[]", "{}", "\"9:99\"", "\"1:00:00:00\"", "1e-320",
        ]
        let keys = [
            "clips", "highlights", "output", "source", "count", "start", "end", "minDuration", "maxDuration",
            "height", "fps", "cropX", "fadeSeconds", "targetLUFS", "mode", "format", "aspect", "name", "uploadId",
        ]
        func value(_ depth: Int) -> String {
            switch random.next() % (depth > 4 ? 1 : 4) {
            case 0: return atoms[Int(random.next() % UInt64(atoms.count))]
            case 1: return "[" + (0..<Int(random.next() % 4)).map { _ in value(depth + 1) }.joined(separator: ",") + "]"
            default:
                return "{"
                    + (0..<Int(random.next() % 5)).map { _ in
                        "\"\(keys[Int(random.next() % UInt64(keys.count))])\":\(value(depth + 1))"
                    }
                    .joined(separator: ",") + "}"
            }
        }
        let deadline = ContinuousClock.now + .seconds(2)
        var decoded = 0
        var runs = 0
        while runs < 1_000 || (runs < 20_000 && ContinuousClock.now < deadline) {
            func atom() -> String { atoms[Int(random.next() % UInt64(atoms.count))] }
            var fields = [Self.source, "\"clips\":[{\"start\":\(atom()),\"end\":\(atom())}]"]
            if random.next() % 2 == 0 {
                fields.append("\"highlights\":{\"count\":\(atom()),\"minDuration\":\(atom())}")
            }
            if random.next() % 2 == 0 { fields.append("\"output\":\(value(1))") }
            if random.next() % 4 == 0 { fields.append("\"extra\":\(value(4))") }
            let body = "{" + fields.joined(separator: ",") + "}"
            if Self.check(body) != nil { decoded += 1 }
            runs += 1
        }
        #expect(decoded > 0, "\(runs) runs, none decoded")
        print("JobRequest fuzz: \(runs) requests, \(decoded) decoded")
    }

    @Test func clipNamesAreLimitedInBytesNotCharacters() {
        // One family emoji with a thousand combining marks is one character and kilobytes of text.
        let heavy = "👩" + String(repeating: "\u{301}", count: 1000)
        #expect(heavy.count == 1)
        let named = { (name: String) in
            Self.check(#"{\#(Self.source),"clips":[{"start":0,"end":10,"name":"\#(name)"}]}"#)
        }
        #expect(named(heavy)?.map(\.field) == ["clips[0].name"])
        #expect(named(String(repeating: "é", count: 101))?.map(\.field) == ["clips[0].name"], "202 bytes")
        #expect(named(String(repeating: "é", count: 100)) == [], "200 bytes")
    }
}
