import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCuration
import TokenMillIO

/// The naive Bayes language identifier on the shared labelled sample (12 languages): trained on
/// half, checked on the other half; its file round-trips. (The acceptance evaluation, on man
/// pages and LibreOffice help beside langdetect and py3langid, is separate.)
@Suite struct LanguageIdentifierTests {
    static func fortunes() throws -> [(language: String, text: String)] {
        let path = DirtyCorporaFilterTests.dirty + "/../langid/fortunes_langid.jsonl.gz"
        var stream = try Compression.open(path: path, compression: .gzip)
        let (bytes, error) = try LineReader.readAll(&stream)
        #expect(error == nil)
        return try bytes.split(separator: 0x0A).map { line in
            let v = try JSONScanner.parse(Array(line))
            return (v["lang"]!.stringValue!, v["text"]!.stringValue!)
        }
    }

    @Test func identifiesHeldOutTextsAndRoundTrips() throws {
        let all = try Self.fortunes()
        #expect(all.count == 4521)
        let train = all.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let test = all.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let model = LanguageIdentifier(training: train, buckets: 1 << 16)
        #expect(model.languages.count == 12)
        var right: [String: (Int, Int)] = [:]
        for (language, text) in test {
            let guess = model.identify(text)
            var r = right[language] ?? (0, 0)
            r.1 += 1
            if guess?.language == language { r.0 += 1 }
            right[language] = r
        }
        let macro = right.values.map { Double($0.0) / Double($0.1) }.reduce(0, +) / Double(right.count)
        print("language ID on the held-out half of the fortunes: macro accuracy \(macro); " + right.keys.sorted().map { "\($0) \(right[$0]!.0)/\(right[$0]!.1)" }.joined(separator: ", "))
        #expect(macro >= 0.9)
        // Probabilities are probabilities, and confident on a clear case.
        let p = try #require(model.identify("Il gatto dorme sul divano mentre fuori piove e tutti restano a casa."))
        #expect(p.language == "it" && p.probability > 0.9 && p.probability <= 1)
        // The file round-trips; 16-bit scores change no decision on these texts.
        let bytes = model.serialized()
        let loaded = try LanguageIdentifier(bytes: bytes, path: "m.bin")
        #expect(loaded.languages == model.languages && loaded.buckets == model.buckets)
        let same = test.prefix(500).filter { loaded.identify($0.text)?.language == model.identify($0.text)?.language }.count
        #expect(same >= 498)
        #expect(throws: TokenMillError.self) { try LanguageIdentifier(bytes: Array(bytes.dropLast(2))) }
        #expect(throws: TokenMillError.self) { try LanguageIdentifier(bytes: Array("TMLANGIX".utf8) + Array(bytes.dropFirst(8))) }
    }
}
