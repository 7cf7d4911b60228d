import TokenMillCore

/// A GNU gettext message catalog (`.mo`): the translated messages of a program, which Debian
/// ships for dozens of languages. This is where the language identifier's training text comes
/// from. The format: a magic number (0x950412de, in the file's byte order), a revision, the
/// number of strings N, and the offsets of two tables of N (length, offset) pairs, for the
/// originals and for the translations. Plural forms are separated by NUL.
public struct MoCatalog {
    public struct Entry: Equatable {
        public var original: [String]
        public var translation: [String]
    }

    public let entries: [Entry]

    public init(bytes: [UInt8], path: String = "catalog") throws {
        func fail(_ what: String) -> TokenMillError {
            TokenMillError(.corruptInput, "\(path): not a gettext .mo catalog (\(what))")
        }
        guard bytes.count >= 20 else { throw fail("too short") }
        func word(_ o: Int, bigEndian: Bool) -> Int? {
            guard o >= 0, o + 4 <= bytes.count else { return nil }
            let v = bytes[o..<(o + 4)].enumerated().reduce(UInt32(0)) { acc, e in
                acc | UInt32(e.element) << (bigEndian ? UInt32(8 * (3 - e.offset)) : UInt32(8 * e.offset))
            }
            return Int(v)
        }
        let magic = word(0, bigEndian: false)!
        let big: Bool
        switch magic {
        case 0x9504_12DE: big = false
        case 0xDE12_0495: big = true
        default: throw fail("magic number \(magic)")
        }
        guard let n = word(8, bigEndian: big), let originals = word(12, bigEndian: big), let translations = word(16, bigEndian: big) else {
            throw fail("header")
        }
        func string(_ table: Int, _ i: Int) throws -> [String] {
            guard let length = word(table + 8 * i, bigEndian: big), let offset = word(table + 8 * i + 4, bigEndian: big),
                  offset + length <= bytes.count else { throw fail("string \(i) out of bounds") }
            return bytes[offset..<(offset + length)].split(separator: 0, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
        var entries: [Entry] = []
        entries.reserveCapacity(n)
        for i in 0..<n {
            entries.append(Entry(original: try string(originals, i), translation: try string(translations, i)))
        }
        self.entries = entries
    }

    /// The translated messages (every plural form), without the header entry (empty original).
    public var translations: [String] {
        entries.filter { $0.original != [""] }.flatMap(\.translation).filter { !$0.isEmpty }
    }

    /// The original (English) messages, without the header entry.
    public var originals: [String] {
        entries.filter { $0.original != [""] }.flatMap(\.original).filter { !$0.isEmpty }
    }
}
