/// Lower-case hexadecimal text of bytes: digests, signatures, random secrets.
public enum Hex {
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    private static let digits = Array("0123456789abcdef")
}

/// Random secrets: API keys, webhook signing secrets, the embedded token secret.
public enum Secrets {
    /// `count` bytes from the system's cryptographically secure generator, as hex.
    public static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
