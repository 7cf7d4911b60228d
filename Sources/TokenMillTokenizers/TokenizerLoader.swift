import TokenMillCore

/// Turns a recipe's `tokenizer:` value into a tokenizer.
public enum TokenizerLoader {
    /// `name` is `byte-level` or a path to a tokenizer file (relative to `baseDirectory`).
    public static func load(_ name: String, eosToken: String? = nil, bosToken: String? = nil,
                            baseDirectory: String, keyPath: String = "tokenizer") throws -> any Tokenizer {
        switch name {
        case "byte-level", "bytes", "byte":
            return ByteLevelTokenizer(eosToken: eosToken ?? "<|endoftext|>", bosToken: bosToken)
        default:
            let lower = name.lowercased()
            let kind = lower.hasSuffix(".json") ? "Hugging Face tokenizer.json"
                : lower.hasSuffix(".model") ? "SentencePiece .model"
                : lower.hasSuffix(".tiktoken") ? "tiktoken rank file" : nil
            if let kind {
                throw TokenMillError(.unsupported, "\(keyPath): '\(name)' is a \(kind); this build reads only the built-in 'byte-level' tokenizer so far. Use `tokenizer: byte-level`")
            }
            throw TokenMillError(.invalidConfiguration, "\(keyPath): unknown tokenizer '\(name)'; use 'byte-level' or the path of a tokenizer file")
        }
    }
}
