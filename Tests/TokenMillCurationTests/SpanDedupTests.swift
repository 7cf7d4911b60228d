import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

/// Repeated lines and paragraphs across a corpus.
@Suite struct SpanDedupTests {
    static let docs = [
        "Home | About | Contact\nThe first article talks about gardens and the many flowers one can grow there in spring.\nCopyright 2024 Example Inc.",
        "Home | About | Contact\nA second article, on bicycles, their gears and how to keep the chain clean and oiled.\nCopyright 2024 Example Inc.",
        "Home | About | Contact\nShort one.\nCopyright 2024 Example Inc.",
    ]

    func run(_ d: SpanDeduplicator, _ docs: [String]) -> [(text: String, removed: Int, drop: DropReason?)] {
        for t in docs { d.count(t) }
        return docs.map { d.apply($0) }
    }

    @Test func repeatedLinesAreRemovedEverywhere() {
        let r = run(SpanDeduplicator(unit: .line), Self.docs)
        #expect(r[0].text == "The first article talks about gardens and the many flowers one can grow there in spring.")
        #expect(r[0].removed == 2 && r[0].drop == nil)
        #expect(r[2].drop == .tooShortAfterSpanDedup)
    }

    @Test func keepFirstKeepsTheFirstCopy() {
        let r = run(SpanDeduplicator(unit: .line, keepFirst: true, minChars: 0), Self.docs)
        #expect(r[0].text == Self.docs[0] && r[0].removed == 0)
        #expect(r[1].removed == 2 && r[2].text == "Short one.")
    }

    @Test func maxOccurrencesIsAThreshold() {
        let r = run(SpanDeduplicator(unit: .line, maxOccurrences: 3), Self.docs)
        #expect(r.map(\.text) == Self.docs)  // three copies: not more than 3
    }

    @Test func paragraphsSplitAtBlankLinesAndWhitespaceDoesNotMatter() {
        let footer = "Licensed under CC BY-SA.\nAll rights reserved."
        let docs = ["Intro paragraph one with enough words to stay in the corpus after dedup.\n\n" + footer,
                    "Another unrelated paragraph, also long enough to be kept afterwards.\n\n  \n" + footer + "  "]
        let r = run(SpanDeduplicator(unit: .paragraph), docs)
        #expect(r[0].text == "Intro paragraph one with enough words to stay in the corpus after dedup.")
        #expect(r[1].text == "Another unrelated paragraph, also long enough to be kept afterwards.")
        // A line of the footer alone is not a repeated paragraph.
        let lines = run(SpanDeduplicator(unit: .paragraph), [docs[0], "Licensed under CC BY-SA.\n\nSomething else entirely, with more words in it."])
        #expect(lines.allSatisfy { $0.removed == 0 })
    }
}
