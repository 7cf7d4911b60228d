import TokenMillCore

/// SQuAD-format files (`{"data": [{"title", "paragraphs": [{"context", "qas": [{"id",
/// "question", "answers": [{"answer_start", "text"}]}]}]}]}`): one sample per question, the
/// first answer, its span from `answer_start` (a character offset) in whitespace words.
public enum SQuAD {
    public static let source = "squad"

    public static func convert(_ file: JSONValue, split: String) -> [Result<QASample, QASkipError>] {
        var out: [Result<QASample, QASkipError>] = []
        var index = 0
        for article in file["data"]?.arrayValue ?? [] {
            for paragraph in article["paragraphs"]?.arrayValue ?? [] {
                let context = JSONAccess.string(paragraph["context"]) ?? ""
                // Words and the character offset (in Unicode scalars, as Python's str) of each.
                var words: [String] = [], starts: [Int] = []
                var current = "", start = 0
                for (offset, scalar) in context.unicodeScalars.enumerated() {
                    if scalar == " " || scalar == "\n" || scalar == "\t" {
                        if !current.isEmpty { words.append(current); starts.append(start); current = "" }
                    } else {
                        if current.isEmpty { start = offset }
                        current.unicodeScalars.append(scalar)
                    }
                }
                if !current.isEmpty { words.append(current); starts.append(start) }
                for qa in paragraph["qas"]?.arrayValue ?? [] {
                    defer { index += 1 }
                    guard !words.isEmpty else { out.append(.failure(.init(.noDocument))); continue }
                    guard let question = JSONAccess.string(qa["question"]), !question.isEmpty else { out.append(.failure(.init(.noQuestion))); continue }
                    guard let answer = qa["answers"]?.arrayValue?.first, let text = JSONAccess.string(answer["text"]), !text.isEmpty else {
                        out.append(.failure(.init(.noAnswer))); continue
                    }
                    var sample = QASample(source: source, originalID: JSONAccess.string(qa["id"]) ?? String(index), originalIndex: index, split: split,
                                          question: question, words: words, answerType: "short")
                    sample.shortAnswer = text
                    if let at = JSONAccess.int(answer["answer_start"]) {
                        let end = at + text.unicodeScalars.count
                        let first = starts.lastIndex(where: { $0 <= at }) ?? 0
                        let last = (starts.lastIndex(where: { $0 < end }) ?? first) + 1
                        sample.shortSpan = first..<max(last, first + 1)
                    }
                    out.append(.success(sample))
                }
            }
        }
        return out
    }
}
