/// Contextual extraction: a document of more than `threshold` tokens is cut to `window` tokens
/// either side of the answer; shorter documents are rendered whole. Tokens here are the
/// document's words (Natural Questions' own tokens without HTML; whitespace-separated words
/// for MS MARCO and SQuAD), the unit its answer spans are given in.
public enum ContextExtraction {
    public static let threshold = 2000

    public enum Method: String, Sendable {
        case fullDocument = "full_document"
        case contextual
        /// The document is too long and the answer's position is unknown: only the answer is rendered.
        case answerOnly = "answer_only"
    }

    public static func shouldExtract(_ tokenCount: Int) -> Bool { tokenCount > threshold }

    /// The tokens kept around the answer span `[start, end)`: `[start − window, end + window)`,
    /// clamped to `[0, count)` at both ends, so at most `2 × window + (end − start)` tokens.
    public static func window(answerStart start: Int, answerEnd end: Int, window: Int, count: Int) -> Range<Int> {
        precondition(start >= 0 && start <= end && end <= count, "answer span \(start)..<\(end) outside \(count) tokens")
        return max(0, start - window)..<min(count, end + window)
    }
}
