import Foundation

/// A caption font no system has: DejaVu Sans Mono Bold (fonts-dejavu-core, installed by the
/// setup) with its family renamed in every name record. The new name has the old one's length,
/// so no offset in the file moves; fontconfig does not know it, so only a font directory given
/// to libass can supply it.
public enum BrandFont {
    public static let family = "ClipGen TestMono"
    public static let systemFamily = "DejaVu Sans Mono"
    public static let systemFile = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"

    public static func write(to path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: systemFile)))
        let utf16 = { (text: String) in text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        for (old, new) in [(utf16(systemFamily), utf16(family)), (Array(systemFamily.utf8), Array(family.utf8))] {
            var index = 0
            while index + old.count <= bytes.count {
                if bytes[index] == old[0] && Array(bytes[index..<index + old.count]) == old {
                    bytes.replaceSubrange(index..<index + old.count, with: new)
                    index += old.count
                } else {
                    index += 1
                }
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
