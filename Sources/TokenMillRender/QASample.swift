/// One question–answer pair from any source, before extraction and rendering: the document as
/// words (the unit of answer spans), the question, and the answers with their word spans.
public struct QASample: Sendable, Equatable {
    public var source: String
    public var originalID: String
    /// Position of the record in its source file (0-based; for SQuAD, of the question).
    public var originalIndex: Int
    public var split: String
    public var question: String
    public var words: [String]
    public var longAnswer: String?
    public var shortAnswer: String?
    /// Word spans `[start, end)` in `words`.
    public var longSpan: Range<Int>?
    public var shortSpan: Range<Int>?
    /// `long`, `short` or `yes_no`.
    public var answerType: String

    /// The full document text: the words joined by single spaces.
    public var text: String { words.joined(separator: " ") }
    /// The answer of the record: the long one when there is one.
    public var answer: String? { longAnswer ?? shortAnswer }
    /// The identity of the sample across runs.
    public var key: String { source + "\u{1F}" + originalID }

    public init(source: String, originalID: String, originalIndex: Int, split: String, question: String, words: [String],
                longAnswer: String? = nil, shortAnswer: String? = nil, longSpan: Range<Int>? = nil, shortSpan: Range<Int>? = nil,
                answerType: String) {
        self.source = source
        self.originalID = originalID
        self.originalIndex = originalIndex
        self.split = split
        self.question = question
        self.words = words
        self.longAnswer = longAnswer
        self.shortAnswer = shortAnswer
        self.longSpan = longSpan
        self.shortSpan = shortSpan
        self.answerType = answerType
    }
}

/// Why a source record gave no sample (counted per reason).
public enum QASkip: String, Sendable {
    case noDocument = "no_document"
    case noQuestion = "no_question"
    case noAnswer = "no_answer"
    case malformed = "malformed"
}
