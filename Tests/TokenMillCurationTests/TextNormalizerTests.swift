import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

@Suite struct TextNormalizerTests {
    let n = TextNormalizer()

    @Test func nfkcFoldsHalfWidthKanaHangulJamoAndCompatibilityForms() {
        // Half-width katakana with voiced marks compose; conjoining jamo become a syllable.
        #expect(n.normalize("ｶﾞｷﾞ ﾊﾟﾝ") == "ガギ パン")
        #expect(n.normalize("\u{1100}\u{1161}\u{11A8}") == "각")
        #expect(n.normalize("ﬁ ① ＡＢＣ ㎞ ½") == "fi 1 ABC km 1⁄2")
        #expect(TextNormalizer(nfkc: false).normalize("ﬁ") == "ﬁ")
    }

    @Test func whitespaceCleanupKeepsLinesAndIndentation() {
        let text = "\n\n  def f(x):\n      return   x\t\t+ 1   \n\n\n\n\nnext  paragraph \n\n"
        #expect(n.normalize(text) == "  def f(x):\n      return x + 1\n\n\nnext paragraph")
        #expect(TextNormalizer(maxBlankLines: 1).normalize("a\n\n\n\nb") == "a\n\nb")
        #expect(TextNormalizer(maxBlankLines: 0).normalize("a\n\n\n\nb") == "a\nb")
        #expect(TextNormalizer(stripIndentation: true).normalize("    a  b\n\tc") == "a b\nc")
        #expect(TextNormalizer(cleanWhitespace: false).normalize(" a  b ") == " a  b ")
        // NBSP and ideographic spaces become spaces through NFKC, then collapse.
        #expect(n.normalize("a\u{00A0}\u{3000} b") == "a b")
    }

    @Test func controlsAndLineBreaks() {
        #expect(n.normalize("a\r\nb\rc\u{7}d\u{85}e\u{7F}f\u{0}g") == "a\nb\ncdefg")
        #expect(TextNormalizer(removeControls: false, cleanWhitespace: false).normalize("a\u{7}b\r\nc") == "a\u{7}b\nc")
    }

    @Test func mojibakeRepairOnlyWhenTheBytesAreUTF8() {
        let m = TextNormalizer(repairMojibake: true)
        #expect(m.normalize("cafÃ© crÃ¨me â€“ Ã\u{81}lvaro") == "café crème – Álvaro")
        // Genuine Latin-1 text stays: its bytes are not UTF-8.
        #expect(m.normalize("café à l'œil Â") == "café à l'œil Â")
        #expect(n.normalize("cafÃ©") == "cafÃ©")
    }

    @Test func idempotentOnRandomText() {
        var rng = SplitMix64(seed: 11)
        let pool: [UInt32] = [0x20, 0x09, 0x0A, 0x0D, 0x41, 0x61, 0xE9, 0xC3, 0xA9, 0xFF76, 0xFF9E, 0x1100, 0x1161, 0xAC00, 0xFB01, 0x3000, 0xA0, 0x7, 0x301]
        for _ in 0..<2000 {
            let s = String(String.UnicodeScalarView((0..<Int(rng.next() % 40)).map { _ in Unicode.Scalar(pool[Int(rng.next() % UInt64(pool.count))])! }))
            let once = n.normalize(s)
            #expect(n.normalize(once) == once, "\(s.debugDescription)")
            #expect(!once.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        }
    }
}

@Suite struct LengthFilterTests {
    @Test func boundsAreInclusive() {
        let f = LengthFilter(minChars: 3, maxChars: 5)
        #expect(f.decide("ab") == .tooShort)
        #expect(f.decide("abc") == nil && f.decide("abcde") == nil)
        #expect(f.decide("abcdef") == .tooLong)
        #expect(LengthFilter(minChars: 2).decide("é") == .tooShort)  // one character, two bytes
        #expect(LengthFilter(minBytes: 2).decide("é") == nil)
        #expect(LengthFilter(minWords: 3).decide(" a  b\n") == .tooFewWords)
        #expect(LengthFilter(maxWords: 2).decide("a b\u{3000}c") == .tooManyWords)
        #expect(LengthFilter().decide("") == nil)
    }
}
