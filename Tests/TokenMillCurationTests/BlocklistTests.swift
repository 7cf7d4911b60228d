import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

@Suite struct BlocklistTests {
    @Test func wordsMatchWholeWordsCaseInsensitively() {
        let list = WordBlocklist(entries: ["casino", "free money", "# a comment", "  "])
        #expect(list.count == 2)
        #expect(list.firstMatch("Win FREE money now!") == "free money")
        #expect(list.firstMatch("Go to the Casino.") == "casino")
        #expect(list.firstMatch("The casinos are closed; casinoX too; freemoney.") == nil)
        #expect(list.decide("casino") == .blocklistedWord)
    }

    @Test func urlsMatchDomainsTheirSubdomainsAndPrefixes() {
        let list = URLBlocklist(entries: ["spam.example", "example.org/ads/", "HTTP://Shout.test"])
        #expect(list.isBlocked("https://www.spam.example/x"))
        #expect(list.isBlocked("spam.example"))
        #expect(list.isBlocked("http://user@spam.example:8080/"))
        #expect(list.isBlocked("http://example.org/ads/1"))
        #expect(list.isBlocked("https://shout.TEST/page"))
        #expect(!list.isBlocked("http://example.org/news"))
        #expect(!list.isBlocked("http://notspam.example.com/"))
        #expect(list.decide(url: nil) == nil)
    }

    @Test func theSamplerIsSeededAndKeepsAboutItsRate() {
        let s = SeededSampler(rate: 0.25, seed: 42)
        let keys = (0..<20_000).map { "doc-\($0)" }
        let kept = keys.filter(s.keeps)
        #expect(abs(Double(kept.count) / Double(keys.count) - 0.25) < 0.015)
        #expect(kept == keys.filter(SeededSampler(rate: 0.25, seed: 42).keeps))
        #expect(kept != keys.filter(SeededSampler(rate: 0.25, seed: 43).keeps))
        // A higher rate keeps a superset: the decision is a threshold on one hash.
        #expect(Set(kept).isSubset(of: Set(keys.filter(SeededSampler(rate: 0.5, seed: 42).keeps))))
    }
}
