import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

/// The gettext `.mo` reader (training text for language identification).
@Suite struct MoCatalogTests {
    /// A little-endian `.mo` file with these (original, translation) pairs, as msgfmt lays it out.
    static func mo(_ pairs: [(String, String)]) -> [UInt8] {
        let n = pairs.count
        let originals = 28, translations = 28 + 8 * n
        var strings: [UInt8] = []
        var tables = [[(Int, Int)]](repeating: [], count: 2)
        let base = 28 + 16 * n
        for (k, side) in [pairs.map(\.0), pairs.map(\.1)].enumerated() {
            for s in side {
                tables[k].append((s.utf8.count, base + strings.count))
                strings += Array(s.utf8) + [0]
            }
        }
        var out: [UInt8] = []
        func put(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        put(0x9504_12DE); put(0); put(n); put(originals); put(translations); put(0); put(0)
        for t in tables { for (l, o) in t { put(l); put(o) } }
        return out + strings
    }

    @Test func readsTranslationsWithPluralForms() throws {
        let bytes = Self.mo([("", "Content-Type: text/plain; charset=UTF-8\n"), ("Hello", "Ciao"), ("file\u{0}files", "file\u{0}file")])
        let catalog = try MoCatalog(bytes: bytes)
        #expect(catalog.entries.count == 3)
        #expect(catalog.entries[2].original == ["file", "files"])
        #expect(catalog.translations == ["Ciao", "file", "file"])
        #expect(catalog.originals == ["Hello", "file", "files"])
    }

    @Test func rejectsWhatIsNotACatalog() {
        #expect(throws: TokenMillError.self) { try MoCatalog(bytes: Array("not a catalog at all, clearly".utf8)) }
        var bytes = Self.mo([("Hello", "Ciao")])
        bytes.removeLast(4)  // the strings run past the end
        #expect(throws: TokenMillError.self) { try MoCatalog(bytes: bytes, path: "cut.mo") }
    }
}
