import TokenMillCore

extension DropReason {
    public static let tooFewWords = DropReason("too_few_words")
    public static let tooManyWords = DropReason("too_many_words")
    public static let tooFewBytes = DropReason("too_few_bytes")
    public static let tooManyBytes = DropReason("too_many_bytes")
}

/// Length bounds, inclusive (`--min-chars 200 --max-chars 8000` keeps 200 and 8000): characters
/// (Unicode scalars), UTF-8 bytes, and words (runs of non-white-space). Nil bounds are off.
public struct LengthFilter: Sendable, Equatable {
    public var minChars: Int?, maxChars: Int?
    public var minWords: Int?, maxWords: Int?
    public var minBytes: Int?, maxBytes: Int?

    public init(minChars: Int? = nil, maxChars: Int? = nil, minWords: Int? = nil, maxWords: Int? = nil,
                minBytes: Int? = nil, maxBytes: Int? = nil) {
        self.minChars = minChars; self.maxChars = maxChars
        self.minWords = minWords; self.maxWords = maxWords
        self.minBytes = minBytes; self.maxBytes = maxBytes
    }

    public func decide(_ text: String) -> DropReason? {
        let bytes = text.utf8.count
        if let m = minBytes, bytes < m { return .tooFewBytes }
        if let m = maxBytes, bytes > m { return .tooManyBytes }
        if minChars != nil || maxChars != nil {
            let chars = text.unicodeScalars.count
            if let m = minChars, chars < m { return .tooShort }
            if let m = maxChars, chars > m { return .tooLong }
        }
        if minWords != nil || maxWords != nil {
            var words = 0
            var inWord = false
            for s in text.unicodeScalars {
                let space = s.properties.isWhitespace
                if !space && !inWord { words += 1 }
                inWord = !space
            }
            if let m = minWords, words < m { return .tooFewWords }
            if let m = maxWords, words > m { return .tooManyWords }
        }
        return nil
    }
}
