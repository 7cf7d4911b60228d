import TokenMillCore

/// MS MARCO v1.1 / v2.1 records as Hugging Face ships them (`query`, `query_id`, `query_type`,
/// `passages{is_selected[], passage_text[], url[]}`, `answers[]`, `wellFormedAnswers[]`).
///
/// The document is the first passage with `is_selected == 1`, or the first passage when none is
/// (counted as `no_selected_passage`). Answers "No Answer Present." are not answers. The long
/// answer is the first well-formed answer, the short one the first answer; spans are found by
/// word match in the passage when the answer occurs there.
public enum MSMarco {
    public static let source = "ms_marco"
    public static let noAnswer = "No Answer Present."

    public static func convert(_ record: JSONValue, index: Int, split: String, noSelected: inout Int) -> Result<QASample, QASkipError> {
        let passages = record["passages"]
        let texts = JSONAccess.column(passages, "passage_text").compactMap { JSONAccess.string($0) }
        guard !texts.isEmpty else { return .failure(.init(.noDocument)) }
        guard let query = JSONAccess.string(record["query"]), !query.isEmpty else { return .failure(.init(.noQuestion)) }
        let answers = JSONAccess.strings(record["answers"]).filter { !$0.isEmpty && $0 != noAnswer }
        let wellFormed = JSONAccess.strings(record["wellFormedAnswers"]).filter { !$0.isEmpty && $0 != noAnswer }
        guard !answers.isEmpty || !wellFormed.isEmpty else { return .failure(.init(.noAnswer)) }
        let selected = JSONAccess.column(passages, "is_selected").map { ($0.intValue ?? 0) == 1 }
        let chosen: Int
        if let s = selected.firstIndex(of: true), s < texts.count { chosen = s } else { chosen = 0; noSelected += 1 }
        let words = texts[chosen].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return .failure(.init(.noDocument)) }
        var sample = QASample(source: source, originalID: JSONAccess.string(record["query_id"]) ?? String(index), originalIndex: index,
                              split: split, question: query, words: words, answerType: wellFormed.isEmpty ? "short" : "long")
        sample.longAnswer = wellFormed.first
        sample.shortAnswer = answers.first
        sample.longSpan = sample.longAnswer.flatMap { find($0, in: words) }
        sample.shortSpan = sample.shortAnswer.flatMap { find($0, in: words) }
        return .success(sample)
    }

    /// The first word span of `words` equal to the words of `text`.
    static func find(_ text: String, in words: [String]) -> Range<Int>? {
        let needle = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        guard !needle.isEmpty, needle.count <= words.count else { return nil }
        for s in 0...(words.count - needle.count) where words[s] == needle[0] && Array(words[s..<(s + needle.count)]) == needle {
            return s..<(s + needle.count)
        }
        return nil
    }
}
