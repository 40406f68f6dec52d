import NIOCore

/// One RESP2 value, as Redis sends them.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString(ByteBuffer?)
    case array([RESPValue]?)

    /// The text of a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        default: nil
        }
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// A command: an array of bulk strings.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }
}

/// Parses RESP2 values from the byte stream; waits for more bytes when a value is incomplete.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Nesting deeper than this is not something Redis sends; refusing it bounds the recursion.
    static let maximumDepth = 32

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var copy = buffer
        guard let value = try Self.parse(&copy, depth: 0) else { return .needMoreData }
        buffer = copy
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }

    static func parse(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth < maximumDepth else { throw RedisError.protocolViolation("nesting too deep") }
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = line(in: buffer, from: buffer.readerIndex + 1) else { return nil }
        switch marker {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"):
            buffer.moveReaderIndex(to: line.next)
            switch marker {
            case UInt8(ascii: "+"): return .simpleString(line.text)
            case UInt8(ascii: "-"): return .error(line.text)
            default:
                guard let value = Int64(line.text) else { throw RedisError.protocolViolation("bad integer") }
                return .integer(value)
            }
        case UInt8(ascii: "$"):
            guard let length = Int(line.text), length >= -1 else {
                throw RedisError.protocolViolation("bad bulk length")
            }
            if length == -1 {
                buffer.moveReaderIndex(to: line.next)
                return .bulkString(nil)
            }
            guard buffer.writerIndex >= line.next + length + 2 else { return nil }
            let bytes = buffer.getSlice(at: line.next, length: length)!
            buffer.moveReaderIndex(to: line.next + length + 2)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line.text), count >= -1 else {
                throw RedisError.protocolViolation("bad array length")
            }
            if count == -1 {
                buffer.moveReaderIndex(to: line.next)
                return .array(nil)
            }
            var rest = buffer
            rest.moveReaderIndex(to: line.next)
            var elements: [RESPValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = try parse(&rest, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            buffer = rest
            return .array(elements)
        default:
            throw RedisError.protocolViolation("unknown type byte \(marker)")
        }
    }

    /// The text up to the next CRLF from `start`, and where the byte after it is.
    private static func line(in buffer: ByteBuffer, from start: Int) -> (text: String, next: Int)? {
        let view = buffer.readableBytesView
        let offset = start - buffer.readerIndex
        guard offset <= view.count, let cr = view[(view.startIndex + offset)...].firstIndex(of: UInt8(ascii: "\r")),
            cr + 1 < view.endIndex
        else { return nil }
        let text = String(decoding: view[(view.startIndex + offset)..<cr], as: UTF8.self)
        return (text, buffer.readerIndex + (cr - view.startIndex) + 2)
    }
}
