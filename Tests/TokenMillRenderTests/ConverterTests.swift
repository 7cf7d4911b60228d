import Foundation
import Testing
@testable import TokenMillRender
import TokenMillCore
import TokenMillTokenizers

/// Acceptance 1–3 of the QA issue: converters field by field, extraction and quality boundaries.
@Suite struct ConverterTests {
    static func records(_ name: String) throws -> [JSONValue] {
        try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/qa/" + name, encoding: .utf8)
            .split(separator: "\n").map { try JSONScanner.parse(String($0)) }
    }

    struct Expected: Sendable {
        var id: String
        var words: [String]?
        var long: String?
        var longSpan: Range<Int>?
        var short: String?
        var shortSpan: Range<Int>?
        var type: String?
        var skip: QASkip?
    }

    static let eiffel = ["The", "Eiffel", "Tower", "is", "in", "Paris", "."]
    static let nqTable: [Expected] = [
        Expected(id: "nq-normal", words: eiffel, long: "The Eiffel Tower is in Paris .", longSpan: 0..<7, short: "Paris", shortSpan: 5..<6, type: "long"),
        Expected(id: "nq-no-answer", skip: .noAnswer),
        Expected(id: "nq-yes-no", words: ["Paris", "is", "a", "city"], long: nil, longSpan: nil, short: "YES", shortSpan: nil, type: "yes_no"),
        // Annotators 1–3 hold nothing; the third has a short answer and is the one used.
        Expected(id: "nq-5-annotators", words: eiffel, long: nil, longSpan: nil, short: "Paris", shortSpan: 5..<6, type: "short"),
        Expected(id: "nq-no-question", skip: .noQuestion),
        Expected(id: "nq-no-document", skip: .noDocument),
    ]

    @Test(arguments: Array(zip(0..<6, nqTable)))
    func naturalQuestionsRowsConvertFieldByField(_ index: Int, _ e: Expected) throws {
        let record = try Self.records("nq_shape.jsonl")[index]
        #expect(record["id"]?.stringValue == e.id)
        switch NaturalQuestions.convert(record, index: index, split: "validation") {
        case .failure(let f):
            #expect(f.reason == e.skip, "\(e.id)")
        case .success(let s):
            #expect(e.skip == nil, "\(e.id) converted")
            #expect(s.source == "natural_questions" && s.originalID == e.id && s.originalIndex == index && s.split == "validation")
            #expect(s.words == e.words!)
            #expect(s.longAnswer == e.long && s.longSpan == e.longSpan)
            #expect(s.shortAnswer == e.short && s.shortSpan == e.shortSpan)
            #expect(s.answerType == e.type!)
            if let span = s.longSpan { #expect(s.words[span].joined(separator: " ") == s.longAnswer) }
            if let span = s.shortSpan { #expect(s.words[span].joined(separator: " ") == s.shortAnswer) }
        }
    }

    @Test func msMarcoRowsConvertFieldByField() throws {
        let records = try Self.records("marco_shape.jsonl")
        var noSelected = 0
        guard case .success(let a) = MSMarco.convert(records[0], index: 0, split: "train", noSelected: &noSelected) else { Issue.record("row 0"); return }
        #expect(a.originalID == "101" && a.question == "what is dpkg")
        #expect(a.text == "dpkg is the Debian package manager that installs .deb files.")  // the selected passage
        #expect(a.longAnswer == "dpkg is the Debian package manager." && a.shortAnswer == "the Debian package manager" && a.answerType == "long")
        #expect(a.shortSpan == 2..<6 && a.longSpan == nil)  // the well-formed answer is not in the passage word for word
        guard case .success(let b) = MSMarco.convert(records[1], index: 1, split: "train", noSelected: &noSelected) else { Issue.record("row 1"); return }
        #expect(b.text == "APT is a package tool for Debian." && noSelected == 1)  // none selected: the first, counted
        #expect(b.longAnswer == nil && b.shortAnswer == "a package tool" && b.answerType == "short" && b.shortSpan == 2..<5)
        guard case .failure(let c) = MSMarco.convert(records[2], index: 2, split: "train", noSelected: &noSelected) else { Issue.record("row 2"); return }
        #expect(c.reason == .noAnswer)
        // The shared MS MARCO-shaped conversion of the Python FAQ: all 173 convert.
        let faq = try String(contentsOfFile: repositoryRoot + "/../shared/corpora/qa/python_faq.msmarco_shape.jsonl", encoding: .utf8).split(separator: "\n")
        var converted = 0
        for (i, line) in faq.enumerated() {
            if case .success = MSMarco.convert(try JSONScanner.parse(String(line)), index: i, split: "train", noSelected: &noSelected) { converted += 1 }
        }
        #expect(converted == 173)
    }

    @Test func squadQuestionsConvertWithTheirSpans() throws {
        let file = try JSONScanner.parse(Array(FileManager.default.contents(atPath: repositoryRoot + "/../shared/corpora/qa/squad_sample.allennlp.json")!))
        let samples = SQuAD.convert(file, split: "train").compactMap { try? $0.get() }
        #expect(samples.count == 5)
        for s in samples {
            let span = try #require(s.shortSpan)
            let inText = s.words[span].joined(separator: " ")
            #expect(inText.contains(s.shortAnswer!.split(separator: " ").first!), "\(inText) vs \(s.shortAnswer!)")
        }
    }

    @Test func extractionBoundaries() {
        for r in Resolution.allCases {
            #expect(!ContextExtraction.shouldExtract(2000), "\(r)")
            #expect(ContextExtraction.shouldExtract(2001), "\(r)")
        }
        // Answer tokens 3521..3525 (the span [3521, 3525)) with window 800: tokens 2721..4324.
        #expect(ContextExtraction.window(answerStart: 3521, answerEnd: 3525, window: 800, count: 10_000) == 2721..<4325)
        #expect(ContextExtraction.window(answerStart: 3521, answerEnd: 3525, window: 800, count: 10_000).count == 2 * 800 + 4)
        #expect(ContextExtraction.window(answerStart: 100, answerEnd: 104, window: 800, count: 4000) == 0..<904)     // clamped at the start
        #expect(ContextExtraction.window(answerStart: 3900, answerEnd: 3904, window: 800, count: 4000) == 3100..<4000) // and at the end
    }

    @Test func longDocumentsAreCutAroundTheShortAnswer() throws {
        let words = (0..<5000).map { "w\($0)" }
        var s = QASample(source: "natural_questions", originalID: "long", originalIndex: 0, split: "train", question: "q", words: words, answerType: "long")
        s.longSpan = 3000..<3100
        s.longAnswer = words[3000..<3100].joined(separator: " ")
        s.shortSpan = 3521..<3526
        s.shortAnswer = words[3521..<3526].joined(separator: " ")
        let builder = QARecordBuilder(resolution: .gundam, tokenizer: try TokenizerLoader.load("byte-level", baseDirectory: ""))
        let (text, method, window) = builder.extract(s)
        #expect(method == .contextual && window == 800)
        #expect(text == words[2721..<4326].joined(separator: " "))
        s.words = Array(words[0..<2000])
        s.longSpan = nil; s.shortSpan = nil
        #expect(builder.extract(s).method == .fullDocument)
        s.words = words
        #expect(builder.extract(s).method == .answerOnly)
    }

    /// A long NQ document (3,000 tokens, some HTML) converts, and its record is cut around the
    /// short answer with the gundam window; token positions survive the HTML removal.
    @Test func aLongNaturalQuestionsDocumentIsCutAroundItsShortAnswer() throws {
        var tokens: [JSONValue] = [], html: [JSONValue] = []
        for i in 0..<3000 {
            let isTag = i % 100 == 0
            tokens.append(.string(isTag ? "<P>" : "t\(i)"))
            html.append(.bool(isTag))
        }
        let record: JSONValue = .object([
            ("id", .string("nq-long")),
            ("document", .object([("title", .string("Long")), ("tokens", .object([("token", .array(tokens)), ("is_html", .array(html))]))])),
            ("question", .object([("text", .string("which token"))])),
            ("annotations", .object([
                ("long_answer", .array([.object([("start_token", .int(1401)), ("end_token", .int(1499))])])),
                ("short_answers", .array([.object([("start_token", .array([.int(1450)])), ("end_token", .array([.int(1452)])), ("text", .array([.string("t1450 t1451")]))])])),
                ("yes_no_answer", .array([.int(-1)])),
            ])),
        ])
        guard case .success(let s) = NaturalQuestions.convert(record, index: 7, split: "train") else { Issue.record("no sample"); return }
        #expect(s.words.count == 3000 - 30)
        #expect(s.words[s.shortSpan!].joined(separator: " ") == "t1450 t1451" && s.shortSpan == 1435..<1437)
        #expect(s.words[s.longSpan!].first == "t1401" && s.words[s.longSpan!].last == "t1498")
        let builder = QARecordBuilder(resolution: .gundam, tokenizer: try TokenizerLoader.load("byte-level", baseDirectory: ""))
        let (text, method, window) = builder.extract(s)
        #expect(method == .contextual && window == 800)
        let kept = ContextExtraction.window(answerStart: s.shortSpan!.lowerBound, answerEnd: s.shortSpan!.upperBound, window: 800, count: s.words.count)
        #expect(text == s.words[kept].joined(separator: " ") && kept.count == 2 * 800 + 2)
    }

    @Test func qualityBoundariesAndDescriptions() {
        let table: [(Int, Quality)] = [(2200, .excellent), (2201, .good), (3300, .good), (3301, .medium), (5000, .medium), (5001, .poor), (8800, .poor), (8801, .unreadable)]
        for (h, q) in table { #expect(Quality(height: h) == q, "\(h)") }
        #expect(Quality.excellent.description == "Optimal readability (≤2200px)")
        #expect(Quality.good.description == "Good readability (2200-3300px)")
        #expect(Quality.medium.description == "Medium readability (3300-5000px)")
        #expect(Quality.poor.description == "Poor readability (5000-8800px)")
        #expect(Quality.unreadable.description == "Text too small (>8800px)")
    }
}
