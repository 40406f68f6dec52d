import NIOCore
import Testing

@testable import RedisSupport

@Suite struct RESPDecoderTests {
    func parse(_ text: String) throws -> (RESPValue?, Int) {
        var buffer = ByteBuffer(string: text)
        let value = try RESPDecoder.parse(&buffer, depth: 0)
        return (value, buffer.readableBytes)
    }

    @Test func everyTypeRedisSends() throws {
        #expect(try parse("+OK\r\n").0 == .simpleString("OK"))
        #expect(try parse("-ERR wrong\r\n").0 == .error("ERR wrong"))
        #expect(try parse(":-42\r\n").0 == .integer(-42))
        #expect(
            try parse("$5\r\nhe\r\no\r\n").0 == .bulkString(ByteBuffer(string: "he\r\no")), "bulk strings may hold CRLF"
        )
        #expect(try parse("$-1\r\n").0 == .bulkString(nil))
        #expect(try parse("*-1\r\n").0 == .array(nil))
        #expect(
            try parse("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n*1\r\n:1\r\n").0
                == .array([
                    .bulkString(ByteBuffer(string: "message")), .bulkString(ByteBuffer(string: "c")),
                    .array([.integer(1)]),
                ]))
    }

    @Test func anIncompleteValueWaitsForMoreAndConsumesNothing() throws {
        for partial in ["+OK", "$5\r\nhel", "*2\r\n:1\r\n", "*2\r\n:1\r\n$3\r\nab", ":"] {
            let (value, left) = try parse(partial)
            #expect(value == nil && left == partial.utf8.count, "\(partial)")
        }
        let (value, left) = try parse(":1\r\n:2\r\n")
        #expect(value == .integer(1) && left == 4, "one value at a time")
    }

    @Test func bytesThatAreNotRESPAreRefused() {
        #expect(throws: RedisError.self) { try parse("HTTP/1.1 400\r\n") }
        #expect(throws: RedisError.self) { try parse(":twelve\r\n") }
        #expect(throws: RedisError.self) { try parse(String(repeating: "*1\r\n", count: 40) + ":1\r\n") }
    }

    @Test func commandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPValue.encode(["SET", "k", "é"], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n")
    }
}
