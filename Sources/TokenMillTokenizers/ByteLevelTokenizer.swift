import TokenMillCore

/// The byte-level tokenizer: each UTF-8 byte is its own id (0–255); special tokens follow
/// (`<|endoftext|>` = 256 by default, then an optional BOS). Lossless for every byte string.
public struct ByteLevelTokenizer: Tokenizer {
    public let eosToken: String
    public let bosToken: String?

    public init(eosToken: String = "<|endoftext|>", bosToken: String? = nil) {
        self.eosToken = eosToken
        self.bosToken = bosToken
    }

    public var name: String { "byte-level" }
    public var specialTokens: [String] { [eosToken] + (bosToken.map { [$0] } ?? []) }
    public var vocabularySize: Int { 256 + specialTokens.count }
    public var eosID: UInt32 { 256 }
    public var bosID: UInt32? { bosToken == nil ? nil : 257 }

    public var spec: JSONValue {
        .object([
            ("type", .string("byte-level")),
            ("eos_token", .string(eosToken)),
            ("bos_token", bosToken.map { .string($0) } ?? .null),
            ("special_tokens", .array(specialTokens.enumerated().map {
                .object([("id", .int(Int64(256 + $0.offset))), ("content", .string($0.element))])
            })),
            ("vocab_size", .int(Int64(vocabularySize))),
        ])
    }

    public var fingerprint: String { SHA256Hasher.hex(spec.serialized(pretty: false)) }

    public func makeEncoder() -> any TokenEncoder { ByteLevelEncoder() }

    public func decode(_ ids: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count)
        let specials = specialTokens
        for id in ids {
            if id < 256 { out.append(UInt8(id)) }
            else if Int(id) - 256 < specials.count { out.append(contentsOf: specials[Int(id) - 256].utf8) }
        }
        return out
    }
}

final class ByteLevelEncoder: TokenEncoder {
    func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32]) { encode(bytes, into: &ids) }

    /// Widens bytes to ids in one pass over preallocated storage (no per-element append).
    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        let start = ids.count
        let n = text.count
        guard n > 0 else { return }
        ids.append(contentsOf: repeatElement(0, count: n))
        ids.withUnsafeMutableBufferPointer { out in
            let dst = out.baseAddress! + start
            for i in 0..<n { dst[i] = UInt32(text[i]) }
        }
    }

}
