import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

/// The quality rule sets on small documents built to hit one rule each. (Agreement with
/// datatrove on the shared corpus is `Tests/interop/test_curation_rules.py`.)
@Suite struct QualityRulesTests {
    let words = EnglishWordTokenizer.shared

    /// Expected tokens are what spaCy 3.8's blank English tokenizer gives.
    @Test func wordsFollowSpacysEnglishTokenizer() {
        #expect(words.words("Don't stop (e.g. here): it's 5pm, ok?")
                == ["Do", "n't", "stop", "(", "e.g.", "here", "):", "it", "'s", "5", "pm", ",", "ok", "?"])
        #expect(words.words("See https://docs.python.org/3/library/os.html or os.path.join(a,b).")
                == ["See", "https://docs.python.org/3/library/os.html", "or", "os.path.join(a", ",", "b", ")", "."])
        #expect(words.words("Well-known \"quotes\"... and :) faces; U.S. 10km/h C++ x--y")
                == ["Well", "-", "known", "\"", "quotes", "\"", "...", "and", ":)", "faces", ";", "U.S.", "10", "km/h", "C++", "x", "--", "y"])
    }

    @Test func sentencesCountLikeSpacysSentencizer() {
        let t = Array("One. Two! Three?  (Four.) e.g. five".unicodeScalars)
        #expect(words.sentenceCount(t, 0..<t.count) == 5)
        let one = Array("No final mark here".unicodeScalars)
        #expect(words.sentenceCount(one, 0..<one.count) == 1)
    }

    func decide(_ rule: any QualityRule, _ text: String) -> (DropReason?, String) {
        var doc = QualityText(text)
        let r = rule.apply(&doc)
        return (r, doc.text)
    }

    static let prose = "The cat sat on the mat and looked at the birds that have nested with care in the old oak tree. "

    @Test func gopherQualityReasons() {
        let rule = GopherQualityRule()
        #expect(decide(rule, "Too short to count.").0 == DropReason("gopher_short_doc"))
        #expect(decide(rule, String(repeating: Self.prose, count: 5)).0 == nil)
        #expect(decide(rule, String(repeating: Self.prose, count: 5) + String(repeating: "# ", count: 30)).0 == DropReason("gopher_too_many_hashes"))
        #expect(decide(rule, String(repeating: "Kittens rested beside windows, puppies played outside happily. ", count: 10)).0 == DropReason("gopher_enough_stop_words"))
        let bullets = (0..<20).map { "- item \($0) of the list that we have with the rest" }.joined(separator: "\n")
        #expect(decide(rule, bullets).0 == DropReason("gopher_too_many_bullets"))
        var strict = GopherQualityRule()
        strict.minDocWords = 200
        #expect(decide(strict, String(repeating: Self.prose, count: 5)).0 == DropReason("gopher_short_doc"))
    }

    @Test func gopherRepetitionReasons() {
        let rule = GopherRepetitionRule()
        #expect(decide(rule, "").0 == DropReason("empty"))
        let distinct = (0..<60).map { "word\($0)" }.joined(separator: " ") + "\n\n" + (0..<60).map { "other\($0)" }.joined(separator: " ")
        #expect(decide(rule, distinct).0 == nil)
        #expect(decide(rule, "Same line\nSame line\nSame line\nOther").0 == DropReason("dup_line_frac"))
        let para = "This paragraph repeats itself again and again.\n\n"
        #expect(decide(rule, String(repeating: para, count: 4) + "And ends.").0 == DropReason("dup_para_frac"))
        #expect(decide(rule, String(repeating: "spam eggs ", count: 40)).0 == DropReason("top_2_gram"))
    }

    @Test func c4RemovesLinesAndDropsDocuments() {
        let rule = C4QualityRule()
        let good = (1...6).map { "This is sentence number \($0) of a good page." }
        let text = (good + ["Menu", "Enable JavaScript to view this page properly.", "Read our privacy policy here now.",
                            "As shown before [12] and [edit] later."]).joined(separator: "\n")
        let (reason, rewritten) = decide(rule, text)
        #expect(reason == nil)
        #expect(rewritten == (good + ["As shown before  and  later."]).joined(separator: "\n"))
        #expect(decide(rule, text + "\nThe function is { return x } here.").0 == DropReason("curly_bracket"))
        #expect(decide(rule, text + "\nLorem ipsum dolor sit amet.").0 == DropReason("lorem_ipsum"))
        #expect(decide(rule, good.prefix(4).joined(separator: "\n")).0 == DropReason("too_few_sentences"))
    }

    @Test func fineWebReasons() {
        let rule = FineWebQualityRule()
        #expect(decide(rule, " \n \n").0 == DropReason("empty"))
        #expect(decide(rule, "no punctuation at all here\nnor here on this line").0 == DropReason("line_punct_ratio"))
        #expect(decide(rule, "Short.\nLines.\nOnly.").0 == DropReason("short_line_ratio"))
        let line = "This line is long enough to count and ends well."
        #expect(decide(rule, [line, line, "Another distinct line that is long enough."].joined(separator: "\n")).0 == DropReason("char_dup_ratio"))
        #expect(decide(rule, [line, "A different line that is also long enough."].joined(separator: "\n")).0 == nil)
    }

    @Test func rulesByNameTakeDatatrovesOptionNames() throws {
        let r = try #require(try QualityRules.make("gopher_quality", options: ["min_doc_words": "10", "max_doc_words": "none"]) as? GopherQualityRule)
        #expect(r.minDocWords == 10 && r.maxDocWords == nil)
        let rep = try #require(try QualityRules.make("gopher_repetition", options: ["top_n_grams": "2:0.5"]) as? GopherRepetitionRule)
        #expect(rep.topNGrams.map(\.n) == [2] && rep.topNGrams.map(\.frac) == [0.5])
        #expect(throws: TokenMillError.self) { try QualityRules.make("gopher_quality", options: ["min_words": "3"]) }
        #expect(throws: TokenMillError.self) { try QualityRules.make("c4", options: ["min_num_sentences": "many"]) }
        #expect(throws: TokenMillError.self) { try QualityRules.make("nope") }
    }
}
