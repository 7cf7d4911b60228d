import Testing
@testable import TokenMillTokenizers

@Suite struct UnicodeClassesTests {
    /// The committed runs equal the running toolchain's Unicode data for every scalar.
    @Test func committedRunsMatchTheToolchain() {
        let table = UnicodeClasses.table
        var mismatches: [UInt32] = []
        for v in UInt32(0)..<0x110000 {
            let expected = Unicode.Scalar(v).map(UnicodeClasses.classify) ?? 0
            if table[Int(v)] != expected { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5).map { String($0, radix: 16) }); rerun scripts/gen_unicode_classes.swift")
    }

    @Test func sampleClasses() {
        #expect(UnicodeClasses.of(0x41) == UnicodeClasses.letter | UnicodeClasses.upperish)
        #expect(UnicodeClasses.of(0x20) == UnicodeClasses.space)
        #expect(UnicodeClasses.of(0x3000) == UnicodeClasses.space)
        #expect(UnicodeClasses.of(0x0661) == UnicodeClasses.number)  // ARABIC-INDIC DIGIT ONE
        #expect(UnicodeClasses.of(0x0301) == UnicodeClasses.mark | UnicodeClasses.upperish | UnicodeClasses.lowerish)
        #expect(UnicodeClasses.of(0x4E2D) & UnicodeClasses.letter != 0)
    }
}
