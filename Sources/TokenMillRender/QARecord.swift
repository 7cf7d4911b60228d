import TokenMillCore
import TokenMillTokenizers

/// A finished sample: the record of the dataset schema (docs/formats/qa-dataset.md) and its page.
public struct QARecord: Sendable {
    public var key: String
    public var json: [(String, JSONValue)]
    public var page: PageRenderer.Page
    public var quality: Quality
    public var truncated: Bool
}

/// Turns samples into records: extraction, token counts, rendering, quality.
public struct QARecordBuilder: Sendable {
    public let resolution: Resolution
    public let tokenizer: any Tokenizer

    public init(resolution: Resolution, tokenizer: any Tokenizer) {
        self.resolution = resolution
        self.tokenizer = tokenizer
    }

    /// What is rendered, and how it was chosen.
    public func extract(_ s: QASample) -> (text: String, method: ContextExtraction.Method, window: Int) {
        guard ContextExtraction.shouldExtract(s.words.count) else { return (s.text, .fullDocument, 0) }
        guard let span = s.shortSpan ?? s.longSpan else { return (s.answer ?? "", .answerOnly, 0) }
        let w = resolution.contextWindow
        let kept = ContextExtraction.window(answerStart: span.lowerBound, answerEnd: span.upperBound, window: w, count: s.words.count)
        return (s.words[kept].joined(separator: " "), .contextual, w)
    }

    /// The record of `sample`, rendered with `renderer` (one per thread); `imagePath` is the
    /// page's path relative to its shard's `metadata.jsonl`.
    public func record(_ s: QASample, renderer: PageRenderer, encoder: any TokenEncoder, imagePath: String) -> QARecord {
        let (text, method, window) = extract(s)
        let page = renderer.render(text)
        let quality = Quality(height: page.height)
        func count(_ t: String) -> Int { encoder.encode(t).count }
        let span = s.longAnswer != nil ? s.longSpan : s.shortSpan
        func optional(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        func optional(_ v: Int?) -> JSONValue { v.map { .int(Int64($0)) } ?? .null }
        let metadata: JSONValue = .object([
            ("source", .string(s.source)),
            ("original_id", .string(s.originalID)),
            ("original_index", .int(Int64(s.originalIndex))),
            ("split", .string(s.split)),
            ("answer_type", .string(s.answerType)),
            ("has_short", .bool(s.shortAnswer != nil)),
            ("has_long", .bool(s.longAnswer != nil)),
            ("extraction_method", .string(method.rawValue)),
            ("context_window", .int(Int64(window))),
            ("generation_resolution", .string(resolution.rawValue)),
            ("quality_description", .string(quality.description)),
            ("truncated", .bool(page.truncated)),
        ])
        let json: [(String, JSONValue)] = [
            ("file_name", .string(imagePath)),
            ("text", .string(s.text)),
            ("instruction", .string(s.question)),
            ("answer", optional(s.answer)),
            ("short_answer", optional(s.shortAnswer)),
            ("long_answer", optional(s.longAnswer)),
            ("answer_start_token", optional(span?.lowerBound)),
            ("answer_end_token", optional(span?.upperBound)),
            ("quality", .string(quality.rawValue)),
            ("image_height", .int(Int64(page.height))),
            ("token_count", .int(Int64(count(s.text)))),
            ("extracted_token_count", .int(Int64(method == .fullDocument ? count(s.text) : count(text)))),
            ("metadata", metadata),
        ]
        return QARecord(key: s.key, json: json, page: page, quality: quality, truncated: page.truncated)
    }
}
