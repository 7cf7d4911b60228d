import Foundation
import TokenMillCore

/// Turns a recipe's or the command line's tokenizer name into a tokenizer.
public enum TokenizerLoader {
    public struct Options: Sendable, Equatable {
        public var eosToken: String?
        public var bosToken: String?
        /// tiktoken: specials encoded as specials when found in text (`all` for every one).
        public var allowedSpecial: Set<String> = []
        /// tiktoken: specials refused in text; `nil` = every special not allowed (tiktoken's
        /// default), `[]` = none (they are encoded as ordinary text).
        public var disallowedSpecial: Set<String>? = nil
        public init(eosToken: String? = nil, bosToken: String? = nil, allowedSpecial: Set<String> = [], disallowedSpecial: Set<String>? = nil) {
            self.eosToken = eosToken
            self.bosToken = bosToken
            self.allowedSpecial = allowedSpecial
            self.disallowedSpecial = disallowedSpecial
        }
    }

    /// `name` is `byte-level`, a `tokenizer.json`, a `.tiktoken` rank file, or an encoding name
    /// (`cl100k_base`) found as `NAME.tiktoken` in `$TOKENMILL_TIKTOKEN_DIR`. Relative paths start
    /// at `baseDirectory`.
    public static func load(_ name: String, options: Options = Options(), baseDirectory: String,
                            keyPath: String = "tokenizer") throws -> any Tokenizer {
        switch name {
        case "byte-level", "bytes", "byte":
            return ByteLevelTokenizer(eosToken: options.eosToken ?? "<|endoftext|>", bosToken: options.bosToken)
        default:
            break
        }
        var path = name.hasPrefix("/") || baseDirectory.isEmpty ? name : baseDirectory + "/" + name
        if !FileManager.default.fileExists(atPath: path), TiktokenLoader.Encoding.known.contains(where: { $0.name == name }) {
            let dir = ProcessInfo.processInfo.environment["TOKENMILL_TIKTOKEN_DIR"] ?? "."
            path = dir + "/" + name + ".tiktoken"
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenMillError(.invalidConfiguration, "\(keyPath): no tokenizer file '\(name)' (looked at \(path)); use 'byte-level', a tokenizer.json, a .tiktoken file, or set TOKENMILL_TIKTOKEN_DIR for an encoding name")
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".model") || lower.hasSuffix(".model.v1") || lower.hasSuffix(".model.v2") || lower.hasSuffix(".model.v3") {
            return try SentencePieceTokenizer.load(path: path)
        }
        var tokenizer: BPETokenizer
        if lower.hasSuffix(".tiktoken") || !lower.hasSuffix(".json") && isRankFile(path) {
            tokenizer = try TiktokenLoader.load(path: path, allowedSpecial: options.allowedSpecial, disallowedSpecial: options.disallowedSpecial)
        } else if lower.hasSuffix(".json") {
            let any = try HFTokenizerLoader.loadAny(path: path)
            if let unigram = any as? HFUnigramTokenizer {
                guard let eos = options.eosToken else { return unigram }
                guard let id = unigram.tokenID(eos) else {
                    throw TokenMillError(.invalidConfiguration, "\(keyPath).eos_token: '\(eos)' is not a token of \(name)")
                }
                return unigram.with(eosID: id)
            }
            tokenizer = any as! BPETokenizer
        } else {
            throw TokenMillError(.invalidConfiguration, "\(keyPath): cannot tell the format of '\(name)' (expected .json or .tiktoken)")
        }
        if let eos = options.eosToken {
            guard let id = tokenizer.tokenID(eos) else {
                throw TokenMillError(.invalidConfiguration, "\(keyPath).eos_token: '\(eos)' is not a token of \(name)")
            }
            tokenizer = tokenizer.with(eosID: id)
        }
        return tokenizer
    }

    static func isRankFile(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = String(decoding: h.readData(ofLength: 64), as: UTF8.self)
        return head.split(separator: "\n").first.map { $0.split(separator: " ").count == 2 } ?? false
    }
}
