import TokenMillCore

/// What an encoder carries between calls: its view of the model's shared piece cache, its own
/// cache for pieces that arrive once the shared one is full, and reusable buffers. Taken out of
/// the encoder for the length of a call and passed `inout`, so the hot path touches no class
/// property (each such access would cost a dynamic exclusivity check).
struct EncoderState {
    let shared: SharedPieceCache.View
    var overflow: PieceCache?
    var scratch = BPEScratch()
    var normalized: [UInt8] = []
    var normalizedB: [UInt8] = []
    var lastPieceTokens = 0
}

/// Where pre-tokens go: encoded (the normal case), encoded while counting the tokens of the
/// last piece (tiktoken's byte path), or handed to a sink (the trainer).
enum PieceMode {
    case encode
    case trackLast
    case sink((UnsafeRawBufferPointer) -> Void)
}

/// One thread's encoder for a `BPETokenizer`.
final class BPEEncoder: TokenEncoder {
    let t: BPETokenizer
    private let normWorkspace = UnicodeNormalizer.Workspace()
    private var state: EncoderState?

    init(_ t: BPETokenizer) {
        self.t = t
        t.model.pieceCache.prepare()
        state = EncoderState(shared: t.model.pieceCache.view)
    }

    private func withState<R>(_ body: (inout EncoderState) -> R) -> R {
        var s = state ?? EncoderState(shared: t.model.pieceCache.view)
        state = nil
        defer { state = s }
        return body(&s)
    }

    func disallowedSpecial(in text: UnsafeRawBufferPointer) -> String? {
        guard !t.disallowedMatcher.isEmpty else { return nil }
        var found: String?
        t.disallowedMatcher.split(text) { _, _, id in
            if found == nil, let id { found = t.addedTokens.first(where: { $0.id == id })?.content }
        }
        return found
    }

    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        withState { st in encode(text, into: &ids, &st, .encode) }
    }

    /// Calls `body` with every pre-token of `text`: the trainer's view of the text.
    func forEachPiece(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(body) { sink in
            var ignored: [UInt32] = []
            withState { st in encode(text, into: &ignored, &st, .sink(sink)) }
        }
    }

    private func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32], _ st: inout EncoderState, _ mode: PieceMode) {
        if t.rawMatcher.isEmpty {
            encodeSegment(text, into: &ids, &st, mode)
            return
        }
        t.rawMatcher.split(text) { s, e, token in
            if let token { ids.append(token); return }
            encodeSegment(UnsafeRawBufferPointer(rebasing: text[s..<e]), into: &ids, &st, mode)
        }
    }

    /// The byte path. tiktoken: its `_encode_bytes` — encode the valid UTF-8 prefix, then take
    /// the last piece (extended over trailing all-space tokens) together with every byte after the
    /// first invalid one, and BPE them as one piece. Hugging Face byte-level: valid runs are
    /// encoded as text, each invalid run as one raw piece. Either way `decode(ids) == bytes`.
    func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        withState { st in encodeBytes(bytes, into: &ids, &st) }
    }

    private func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32], _ st: inout EncoderState) {
        let valid = UTF8Validity.validPrefix(bytes)
        if valid == bytes.count {
            // tiktoken's byte path is `encode_ordinary`: no special token is recognized.
            if t.flavor == .tiktoken { preTokenize(bytes, into: &ids, &st, .encode) } else { encode(bytes, into: &ids, &st, .encode) }
            return
        }
        guard t.model.byteLevel else {
            var repaired: [UInt8] = []
            UTF8Repair.append(bytes, to: &repaired)
            repaired.withUnsafeBytes { encode($0, into: &ids, &st, .encode) }
            return
        }
        if t.flavor == .tiktoken {
            let start = ids.count
            st.lastPieceTokens = 0
            preTokenize(UnsafeRawBufferPointer(rebasing: bytes[..<valid]), into: &ids, &st, .trackLast)
            var last = st.lastPieceTokens
            let count = ids.count - start
            func allSpace(_ id: UInt32) -> Bool {
                let b = Int(id) < t.model.tokenBytes.count ? t.model.tokenBytes[Int(id)] : []
                return b.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }
            }
            if last > 0 && allSpace(ids[ids.count - last]) {
                while last < count && allSpace(ids[ids.count - last - 1]) { last += 1 }
            }
            var unstable: [UInt8] = []
            if count > 0 && last > 0 {
                unstable = t.decode(Array(ids[(ids.count - last)...]))
                ids.removeLast(last)
            }
            unstable.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[valid...]))
            unstable.withUnsafeBytes { t.model.encodeRawPiece($0, into: &ids, scratch: &st.scratch) }
            return
        }
        var i = 0
        while i < bytes.count {
            let run = UTF8Validity.validPrefix(UnsafeRawBufferPointer(rebasing: bytes[i...]))
            if run > 0 {
                encode(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + run)]), into: &ids, &st, .encode)
                i += run
            } else {
                var j = i + 1
                while j < bytes.count && UTF8Validity.validPrefix(UnsafeRawBufferPointer(rebasing: bytes[j...])) == 0 { j += 1 }
                t.model.encodeRawPiece(UnsafeRawBufferPointer(rebasing: bytes[i..<j]), into: &ids, scratch: &st.scratch)
                i = j
            }
        }
    }

    private func encodeSegment(_ segment: UnsafeRawBufferPointer, into ids: inout [UInt32], _ st: inout EncoderState, _ mode: PieceMode) {
        if t.normalizers.isEmpty {
            preTokenize(segment, into: &ids, &st, mode)
            return
        }
        var current = st.normalized
        st.normalized = []
        current.removeAll(keepingCapacity: true)
        current.append(contentsOf: segment)
        for step in t.normalizers {
            var out = st.normalizedB
            st.normalizedB = []
            out.removeAll(keepingCapacity: true)
            current.withUnsafeBytes { step.apply($0, into: &out, workspace: normWorkspace) }
            st.normalizedB = current
            current = out
        }
        current.withUnsafeBytes { raw in
            if t.normalizedMatcher.isEmpty {
                preTokenize(raw, into: &ids, &st, mode)
            } else {
                t.normalizedMatcher.split(raw) { s, e, token in
                    if let token { ids.append(token); return }
                    preTokenize(UnsafeRawBufferPointer(rebasing: raw[s..<e]), into: &ids, &st, mode)
                }
            }
        }
        st.normalized = current
    }

    private func preTokenize(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32], _ st: inout EncoderState, _ mode: PieceMode) {
        if text.isEmpty { return }
        // A leading space for byte-level `add_prefix_space`, when the text lacks one.
        if t.addsPrefixSpace && text[0] != 0x20 {
            var spaced: [UInt8] = [0x20]
            spaced.append(contentsOf: text)
            spaced.withUnsafeBytes { split($0, step: 0, into: &ids, &st, mode) }
            return
        }
        split(text, step: 0, into: &ids, &st, mode)
    }

    /// Applies the pre-tokenizer steps in turn (each refines the previous one's pieces).
    private func split(_ text: UnsafeRawBufferPointer, step: Int, into ids: inout [UInt32], _ st: inout EncoderState, _ mode: PieceMode) {
        var k = step
        while k < t.splitters.count && t.splitters[k] == nil { k += 1 }
        guard k < t.splitters.count, let splitter = t.splitters[k] else { encodePiece(text, into: &ids, &st, mode); return }
        if !t.splitters[(k + 1)...].contains(where: { $0 != nil }) {
            splitter.split(text) { a, b in
                encodePiece(UnsafeRawBufferPointer(rebasing: text[a..<b]), into: &ids, &st, mode)
            }
            return
        }
        var ranges: [(Int, Int)] = []
        splitter.split(text) { a, b in ranges.append((a, b)) }
        for (a, b) in ranges { split(UnsafeRawBufferPointer(rebasing: text[a..<b]), step: k + 1, into: &ids, &st, mode) }
    }

    @inline(__always)
    private func encodePiece(_ piece: UnsafeRawBufferPointer, into ids: inout [UInt32], _ st: inout EncoderState, _ mode: PieceMode) {
        if case .sink(let sink) = mode { sink(piece); return }
        let h = PieceCache.hash(piece)
        let start = ids.count
        if !st.shared.appendCached(piece, hash: h, to: &ids) && !(st.overflow?.appendCached(piece, hash: h, to: &ids) ?? false) {
            t.model.encodePiece(piece, hash: h, into: &ids, scratch: &st.scratch)
            if !t.model.pieceCache.insert(piece, hash: h, ids: ids[start...]) {
                if st.overflow == nil { st.overflow = PieceCache(entries: 1 << 15) }
                st.overflow!.insert(piece, hash: h, ids: ids[start...])
            }
        }
        if case .trackLast = mode { st.lastPieceTokens = ids.count - start }
    }
}
