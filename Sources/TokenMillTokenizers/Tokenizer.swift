import TokenMillCore

/// What the pipeline needs from a tokenizer. Byte-level now; BPE and Unigram plug in here.
///
/// `encode(_:into:)` appends to the caller's buffer so that hot loops allocate nothing; it must be
/// a pure function of the text (thread-safe, no hidden state).
public protocol Tokenizer: Sendable {
    /// A short name for logs and the data card (`byte-level`, a file name).
    var name: String { get }
    /// Number of ids (the largest id + 1).
    var vocabularySize: Int { get }
    /// The end-of-document id appended after every document.
    var eosID: UInt32 { get }
    /// The beginning-of-document id, when the tokenizer has one.
    var bosID: UInt32? { get }
    /// SHA-256 of the tokenizer file, or of its canonical spec for built-in tokenizers.
    var fingerprint: String { get }
    /// The tokenizer's full, defaults-resolved configuration, embedded in manifests.
    var spec: JSONValue { get }

    /// A new encoder with its own buffers (caches: its own, or shared with the model's other
    /// encoders where thread-safe); use one per thread.
    func makeEncoder() -> any TokenEncoder
    /// The bytes of `ids`; special tokens decode to their text.
    func decode(_ ids: [UInt32]) -> [UInt8]
}

/// Encodes text on one thread, reusing its caches and buffers between calls.
public protocol TokenEncoder: AnyObject {
    /// Appends the ids of `text` (valid UTF-8) to `ids`.
    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32])
    /// The first special token in `text` that the tokenizer refuses to see in plain text
    /// (tiktoken's `disallowed_special`), if any.
    func disallowedSpecial(in text: UnsafeRawBufferPointer) -> String?
    /// Appends the ids of any byte string, valid UTF-8 or not (the "byte path"). Byte-level
    /// tokenizers keep every byte, so `decode(ids) == bytes`; others repair to U+FFFD first.
    func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32])
}

extension TokenEncoder {
    public func disallowedSpecial(in text: UnsafeRawBufferPointer) -> String? { nil }

    public func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        var repaired: [UInt8] = []
        UTF8Repair.append(bytes, to: &repaired)
        repaired.withUnsafeBytes { encode($0, into: &ids) }
    }

    public func encode(_ text: String) -> [UInt32] {
        var ids: [UInt32] = []
        var copy = text
        copy.withUTF8 { encode(UnsafeRawBufferPointer($0), into: &ids) }
        return ids
    }
}

extension Tokenizer {
    /// Appends the ids of `text` (valid UTF-8) to `ids` with a fresh encoder: for one-off calls;
    /// loops should keep an encoder from `makeEncoder()`.
    public func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        makeEncoder().encode(text, into: &ids)
    }

    public func encode(_ text: String) -> [UInt32] {
        var ids: [UInt32] = []
        var copy = text
        copy.withUTF8 { encode(UnsafeRawBufferPointer($0), into: &ids) }
        return ids
    }

    public func decodeString(_ ids: [UInt32]) -> String { String(decoding: decode(ids), as: UTF8.self) }
}
