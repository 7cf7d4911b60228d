import TokenMillCore

/// Natural Questions records as Hugging Face ships them (`natural_questions`: `id`,
/// `document{title, url, html, tokens{token, is_html, start_byte, end_byte}}`,
/// `question{text, tokens}`, `annotations{id, long_answer[…], short_answers[…], yes_no_answer[]}`).
///
/// HTML tokens are dropped from the text; a map from original token index to text word index
/// keeps every answer span valid. Spans are `[start, end)`; a long answer with `start_token`
/// −1 is none; `yes_no_answer` is −1 (none), 0 (NO) or 1 (YES). A row with several annotators
/// (validation has 5) uses the first annotation that holds an answer.
public enum NaturalQuestions {
    public static let source = "natural_questions"

    public static func convert(_ record: JSONValue, index: Int, split: String) -> Result<QASample, QASkipError> {
        let tokens = JSONAccess.strings(record["document"]?["tokens"]?["token"])
        guard !tokens.isEmpty else { return .failure(.init(.noDocument)) }
        guard let question = JSONAccess.string(record["question"]?["text"]), !question.isEmpty else { return .failure(.init(.noQuestion)) }
        let isHTML = JSONAccess.bools(record["document"]?["tokens"]?["is_html"])
        // words: the non-HTML tokens; wordIndex[i]: the word index of token i (for an HTML token,
        // of the next word), with wordIndex[count] = words.count.
        var words: [String] = []
        var wordIndex: [Int] = []
        words.reserveCapacity(tokens.count)
        wordIndex.reserveCapacity(tokens.count + 1)
        for (i, t) in tokens.enumerated() {
            wordIndex.append(words.count)
            if !(i < isHTML.count && isHTML[i]) { words.append(t) }
        }
        wordIndex.append(words.count)
        func span(_ start: Int?, _ end: Int?) -> Range<Int>? {
            guard let s = start, let e = end, s >= 0, e > s, e <= tokens.count else { return nil }
            let r = wordIndex[s]..<wordIndex[e]
            return r.isEmpty ? nil : r
        }
        let annotations = record["annotations"]
        let longs = JSONAccess.elements(annotations?["long_answer"])
        let shorts = JSONAccess.elements(annotations?["short_answers"])
        let yesNo = JSONAccess.ints(annotations?["yes_no_answer"])
        let annotators = max(longs.count, shorts.count, yesNo.count)
        for a in 0..<annotators {
            let long = a < longs.count ? span(JSONAccess.int(longs[a]["start_token"]), JSONAccess.int(longs[a]["end_token"])) : nil
            var short: Range<Int>?
            var shortText: String?
            if a < shorts.count {
                let s = shorts[a]
                let starts = JSONAccess.ints(s["start_token"]), ends = JSONAccess.ints(s["end_token"]), texts = JSONAccess.strings(s["text"])
                if let s0 = starts.first, let e0 = ends.first, let r = span(s0, e0) {
                    short = r
                    shortText = texts.first ?? words[r].joined(separator: " ")
                }
            }
            let yn = a < yesNo.count ? yesNo[a] : -1
            guard long != nil || short != nil || yn >= 0 else { continue }
            var sample = QASample(source: source, originalID: JSONAccess.string(record["id"]) ?? String(index), originalIndex: index, split: split,
                                  question: question, words: words, answerType: long != nil ? "long" : short != nil ? "short" : "yes_no")
            sample.longSpan = long
            sample.longAnswer = long.map { words[$0].joined(separator: " ") }
            sample.shortSpan = short
            sample.shortAnswer = shortText ?? (yn == 1 ? "YES" : yn == 0 ? "NO" : nil)
            return .success(sample)
        }
        return .failure(.init(.noAnswer))
    }
}

/// A record that gave no sample, and why.
public struct QASkipError: Error, Sendable, Equatable {
    public var reason: QASkip
    public init(_ reason: QASkip) { self.reason = reason }
}
