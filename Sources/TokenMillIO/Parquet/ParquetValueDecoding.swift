import TokenMillCore

/// Levels and values of one page, by encoding: PLAIN, the dictionary encodings, RLE booleans,
/// the DELTA encodings and BYTE_STREAM_SPLIT, appended to the chunk's (or page's) values.
extension ParquetColumnReader {
    static func bitWidth(_ max: Int) -> Int { max == 0 ? 0 : (Int.bitWidth - max.leadingZeroBitCount) }

    /// v1 levels: RLE with a 4-byte length prefix (or the deprecated BIT_PACKED, MSB first).
    static func levelsV1(_ p: UnsafeRawBufferPointer, _ q: inout Int, max: Int, count: Int, encoding: Int32, scratch: inout [UInt64]) throws {
        let width = bitWidth(max)
        if encoding == ParquetEncoding.bitPacked.rawValue {
            let bytes = (width * count + 7) / 8
            guard q + bytes <= p.count else { throw ParquetDecoding.Failure(what: "BIT_PACKED levels past the end of the page") }
            scratch.removeAll(keepingCapacity: true)
            for i in 0..<count {
                var v: UInt64 = 0
                for b in 0..<width {
                    let bit = i * width + b
                    v = v << 1 | UInt64((p[q + bit / 8] >> (7 - UInt8(bit % 8))) & 1)
                }
                scratch.append(v)
            }
            q += bytes
            return
        }
        guard q + 4 <= p.count else { throw ParquetDecoding.Failure(what: "level length past the end of the page") }
        let length = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: q, as: UInt32.self)))
        q += 4
        guard q + length <= p.count else { throw ParquetDecoding.Failure(what: "levels of \(length) bytes past the end of the page") }
        var r = q
        try ParquetDecoding.rleHybrid(p, &r, end: q + length, width: width, count: count, into: &scratch)
        q += length
    }

    /// `count` values in `encoding`, appended to `out`.
    static func values(_ p: UnsafeRawBufferPointer, _ q: inout Int, encoding raw: Int32, count: Int, leaf: ParquetSchema.Leaf,
                       dictionary: ParquetValues?, into out: inout ParquetValues, scratch: inout [UInt64]) throws {
        guard let encoding = ParquetEncoding(rawValue: raw) else { throw ParquetDecoding.Failure(what: "unknown encoding \(raw)") }
        switch encoding {
        case .plain:
            try plain(p, &q, type: leaf.type, width: leaf.typeLength, count: count, into: &out)
        case .plainDictionary, .rleDictionary:
            guard let dictionary else { throw ParquetDecoding.Failure(what: "\(encoding) page without a dictionary page") }
            guard count > 0 else { return }
            try dictionaryIndices(p, &q, count: count, into: &scratch)
            try gather(dictionary, scratch, into: &out)
        case .rle:
            guard leaf.type == .boolean else { throw ParquetDecoding.Failure(what: "RLE values for a non-boolean column") }
            guard q + 4 <= p.count else { throw ParquetDecoding.Failure(what: "RLE length past the end") }
            let length = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: q, as: UInt32.self)))
            q += 4
            guard q + length <= p.count else { throw ParquetDecoding.Failure(what: "RLE booleans past the end") }
            var r = q
            try ParquetDecoding.rleHybrid(p, &r, end: q + length, width: 1, count: count, into: &scratch)
            q += length
            guard case .boolean(var v) = out else { return }
            out = .boolean([])
            v.append(contentsOf: scratch.lazy.map { $0 != 0 })
            out = .boolean(v)
        case .deltaBinaryPacked:
            var ints: [Int64] = []
            switch out {
            case .int32(var v):
                out = .boolean([])  // `v` is now the only reference: appends do not copy
                try ParquetDecoding.deltaBinaryPacked(p, &q, bits: 32, into: &ints)
                guard ints.count >= count else { throw ParquetDecoding.Failure(what: "DELTA_BINARY_PACKED has \(ints.count) of \(count) values") }
                v.append(contentsOf: ints.prefix(count).lazy.map { Int32(truncatingIfNeeded: $0) })
                out = .int32(v)
            case .int64(var v):
                out = .boolean([])  // `v` is now the only reference: appends do not copy
                try ParquetDecoding.deltaBinaryPacked(p, &q, bits: 64, into: &ints)
                guard ints.count >= count else { throw ParquetDecoding.Failure(what: "DELTA_BINARY_PACKED has \(ints.count) of \(count) values") }
                v.append(contentsOf: ints.prefix(count))
                out = .int64(v)
            default: throw ParquetDecoding.Failure(what: "DELTA_BINARY_PACKED for a \(leaf.type) column")
            }
        case .deltaLengthByteArray:
            guard case .bytes(var v) = out else { throw ParquetDecoding.Failure(what: "DELTA_LENGTH_BYTE_ARRAY for a \(leaf.type) column") }
            out = .boolean([])
            var lengths: [Int64] = []
            try ParquetDecoding.deltaBinaryPacked(p, &q, bits: 32, into: &lengths)
            guard lengths.count >= count else { throw ParquetDecoding.Failure(what: "DELTA_LENGTH_BYTE_ARRAY has \(lengths.count) of \(count) lengths") }
            for l in lengths.prefix(count) {
                let n = Int(l)
                guard n >= 0, q + n <= p.count else { throw ParquetDecoding.Failure(what: "byte array of \(n) bytes past the end of the page") }
                v.append(p[q..<(q + n)])
                q += n
            }
            out = .bytes(v)
        case .deltaByteArray:
            var prefixes: [Int64] = [], suffixes: [Int64] = []
            try ParquetDecoding.deltaBinaryPacked(p, &q, bits: 32, into: &prefixes)
            try ParquetDecoding.deltaBinaryPacked(p, &q, bits: 32, into: &suffixes)
            guard prefixes.count >= count, suffixes.count >= count else { throw ParquetDecoding.Failure(what: "DELTA_BYTE_ARRAY lengths short") }
            var previous: [UInt8] = []
            var decoded: [[UInt8]] = []
            decoded.reserveCapacity(min(count, 1 << 16))
            for i in 0..<count {
                let pre = Int(prefixes[i]), suf = Int(suffixes[i])
                guard pre >= 0, pre <= previous.count, suf >= 0, q + suf <= p.count else {
                    throw ParquetDecoding.Failure(what: "DELTA_BYTE_ARRAY value \(i): prefix \(pre), suffix \(suf) out of range")
                }
                var value = Array(previous[0..<pre])
                value.append(contentsOf: p[q..<(q + suf)])
                q += suf
                decoded.append(value)
                previous = value
            }
            switch out {
            case .bytes(var v):
                out = .boolean([])  // `v` is now the only reference: appends do not copy
                for d in decoded { v.append(d) }
                out = .bytes(v)
            case .fixed(let w, var d):
                out = .boolean([])  // `d` is now the only reference: appends do not copy
                for x in decoded {
                    guard x.count == w else { throw ParquetDecoding.Failure(what: "DELTA_BYTE_ARRAY value of \(x.count) bytes in a \(w)-byte column") }
                    d.append(contentsOf: x)
                }
                out = .fixed(width: w, data: d)
            default: throw ParquetDecoding.Failure(what: "DELTA_BYTE_ARRAY for a \(leaf.type) column")
            }
        case .byteStreamSplit:
            let width: Int
            switch leaf.type {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            case .fixedLenByteArray: width = leaf.typeLength
            default: throw ParquetDecoding.Failure(what: "BYTE_STREAM_SPLIT for a \(leaf.type) column")
            }
            guard width > 0 else { throw ParquetDecoding.Failure(what: "BYTE_STREAM_SPLIT with width \(width)") }
            guard q + width * count <= p.count else { throw ParquetDecoding.Failure(what: "BYTE_STREAM_SPLIT data past the end of the page") }
            // The streams span the whole page's values; `count` is all of them.
            let n = (p.count - q) / width
            var joined = [UInt8](repeating: 0, count: n * width)
            for i in 0..<n { for k in 0..<width { joined[i * width + k] = p[q + k * n + i] } }
            q += n * width
            try joined.withUnsafeBytes { j in
                var r = 0
                try plain(j, &r, type: leaf.type, width: width, count: count, into: &out)
            }
        case .bitPacked:
            throw ParquetDecoding.Failure(what: "BIT_PACKED is only for levels")
        }
    }

    /// The `count` dictionary indices at `q` (a bit width byte, then RLE/bit-packed runs) into `indices`.
    static func dictionaryIndices(_ p: UnsafeRawBufferPointer, _ q: inout Int, count: Int, into indices: inout [UInt64]) throws {
        guard q < p.count else { throw ParquetDecoding.Failure(what: "dictionary indices missing") }
        let width = Int(p[q])
        q += 1
        try ParquetDecoding.rleHybrid(p, &q, end: p.count, width: width, count: count, into: &indices)
    }

    static func plain(_ p: UnsafeRawBufferPointer, _ q: inout Int, type: ParquetPhysicalType, width: Int, count: Int, into out: inout ParquetValues) throws {
        func need(_ n: Int) throws {
            guard n >= 0, q + n <= p.count else { throw ParquetDecoding.Failure(what: "PLAIN values past the end of the page (\(count) values)") }
        }
        switch out {
        case .boolean(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need((count + 7) / 8)
            for i in 0..<count { v.append((p[q + i / 8] >> UInt8(i % 8)) & 1 == 1) }
            q += (count + 7) / 8
            out = .boolean(v)
        case .int32(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need(4 * count)
            for i in 0..<count { v.append(Int32(littleEndian: p.loadUnaligned(fromByteOffset: q + 4 * i, as: Int32.self))) }
            q += 4 * count
            out = .int32(v)
        case .int64(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need(8 * count)
            for i in 0..<count { v.append(Int64(littleEndian: p.loadUnaligned(fromByteOffset: q + 8 * i, as: Int64.self))) }
            q += 8 * count
            out = .int64(v)
        case .int96(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need(12 * count)
            v.append(contentsOf: p[q..<(q + 12 * count)])
            q += 12 * count
            out = .int96(v)
        case .float(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need(4 * count)
            for i in 0..<count { v.append(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: q + 4 * i, as: UInt32.self)))) }
            q += 4 * count
            out = .float(v)
        case .double(var v):
            out = .boolean([])  // `v` is now the only reference: appends do not copy
            try need(8 * count)
            for i in 0..<count { v.append(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: q + 8 * i, as: UInt64.self)))) }
            q += 8 * count
            out = .double(v)
        case .bytes(var v):
            out = .boolean([])  // release the storage so `v` is uniquely referenced
            v.offsets.reserveGrowing(v.offsets.count + min(count, (p.count - q) / 4 + 1))
            for _ in 0..<count {
                try need(4)
                let n = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: q, as: UInt32.self)))
                q += 4
                try need(n)
                v.data.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[q..<(q + n)]))
                v.offsets.append(v.data.count)
                q += n
            }
            out = .bytes(v)
        case .fixed(let w, var d):
            out = .boolean([])  // `d` is now the only reference: appends do not copy
            try need(w * count)
            d.append(contentsOf: p[q..<(q + w * count)])
            q += w * count
            out = .fixed(width: w, data: d)
        }
    }

    /// Appends `dictionary[i]` for each index (checked by the caller).
    private static func gatherScalars<T>(_ dictionary: [T], _ indices: [UInt64], into v: inout [T]) {
        v.append(contentsOf: indices.lazy.map { dictionary[Int($0)] })
    }

    /// Appends the `width`-byte entry `i` of `dictionary` for each index (checked by the caller).
    private static func gatherFixed(_ dictionary: [UInt8], width: Int, _ indices: [UInt64], into v: inout [UInt8]) {
        for i in indices { v.append(contentsOf: dictionary[(Int(i) * width)..<(Int(i) * width + width)]) }
    }

    static func gather(_ dictionary: ParquetValues, _ indices: [UInt64], into out: inout ParquetValues) throws {
        let size = dictionary.count
        for i in indices where i >= UInt64(size) { throw ParquetDecoding.Failure(what: "dictionary index \(i) of a \(size)-entry dictionary") }
        let mismatch = ParquetDecoding.Failure(what: "dictionary of another type than the column")
        // Each case takes the payload out of `out` first, so that appending does not copy it.
        switch dictionary {
        case .boolean(let d):
            guard case .boolean(var v) = out else { throw mismatch }
            out = .boolean([]); gatherScalars(d, indices, into: &v); out = .boolean(v)
        case .int32(let d):
            guard case .int32(var v) = out else { throw mismatch }
            out = .boolean([]); gatherScalars(d, indices, into: &v); out = .int32(v)
        case .int64(let d):
            guard case .int64(var v) = out else { throw mismatch }
            out = .boolean([]); gatherScalars(d, indices, into: &v); out = .int64(v)
        case .float(let d):
            guard case .float(var v) = out else { throw mismatch }
            out = .boolean([]); gatherScalars(d, indices, into: &v); out = .float(v)
        case .double(let d):
            guard case .double(var v) = out else { throw mismatch }
            out = .boolean([]); gatherScalars(d, indices, into: &v); out = .double(v)
        case .int96(let d):
            guard case .int96(var v) = out else { throw mismatch }
            out = .boolean([]); gatherFixed(d, width: 12, indices, into: &v); out = .int96(v)
        case .fixed(let w, let d):
            guard case .fixed(_, var v) = out else { throw mismatch }
            out = .boolean([]); gatherFixed(d, width: w, indices, into: &v); out = .fixed(width: w, data: v)
        case .bytes(let d):
            guard case .bytes(var v) = out else { throw mismatch }
            out = .boolean([])
            var total = 0
            for i in indices { total += d.offsets[Int(i) + 1] - d.offsets[Int(i)] }
            guard total <= 1 << 31 else { throw ParquetDecoding.Failure(what: "dictionary page expands to \(total) bytes (more than 2 GiB)") }
            v.data.reserveGrowing(v.data.count + total)
            v.offsets.reserveGrowing(v.offsets.count + indices.count)
            d.data.withUnsafeBufferPointer { src in
                for i in indices {
                    let a = d.offsets[Int(i)], b = d.offsets[Int(i) + 1]
                    v.data.append(contentsOf: UnsafeBufferPointer(rebasing: src[a..<b]))
                    v.offsets.append(v.data.count)
                }
            }
            out = .bytes(v)
        }
    }
}
