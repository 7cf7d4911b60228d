import TokenMillCore

/// Parquet's value and level encodings, decoding from a page's bytes.
enum ParquetDecoding {
    struct Failure: Error { let what: String }

    static func varint(_ p: UnsafeRawBufferPointer, _ pos: inout Int) throws -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard pos < p.count else { throw Failure(what: "varint past the end of the page") }
            let b = p[pos]
            pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw Failure(what: "varint longer than 10 bytes") }
        }
    }

    static func zigzag(_ p: UnsafeRawBufferPointer, _ pos: inout Int) throws -> Int64 {
        let v = try varint(p, &pos)
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// Unpacks `count` values of `width` bits, LSB first, from `p` at `pos` (which advances by
    /// the whole bytes used), appending to `out`.
    @inline(__always)
    static func unpack(_ p: UnsafeRawBufferPointer, _ pos: inout Int, width: Int, count: Int, into out: inout [UInt64]) throws {
        let bytes = (width * count + 7) / 8
        guard pos + bytes <= p.count else { throw Failure(what: "bit-packed run of \(bytes) bytes past the end of the page") }
        if width == 0 {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var buffer: UInt64 = 0, bits = 0
        var i = pos
        let end = pos + bytes
        for _ in 0..<count {
            var v: UInt64
            if bits >= width {
                v = buffer & mask
                buffer = width == 64 ? 0 : buffer >> UInt64(width)
                bits -= width
            } else {
                v = buffer
                var have = bits
                buffer = 0
                bits = 0
                while have < width {
                    let b = i < end ? UInt64(p[i]) : 0
                    i += 1
                    v |= b << UInt64(have)
                    if have + 8 > width {
                        // Part of this byte is the next value's.
                        let used = width - have
                        buffer = b >> UInt64(used)
                        bits = 8 - used
                    }
                    have += 8
                }
                v &= mask
            }
            out.append(v)
        }
        pos = end
    }

    /// The RLE / bit-packed hybrid (levels, dictionary indices, booleans): `count` values of
    /// `width` bits from `p[pos..<end]`.
    static func rleHybrid(_ p: UnsafeRawBufferPointer, _ pos: inout Int, end: Int, width: Int, count: Int, into out: inout [UInt64]) throws {
        guard width >= 0 && width <= 64 else { throw Failure(what: "bit width \(width)") }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(min(count, 1 << 16))
        let limited = UnsafeRawBufferPointer(rebasing: p[0..<end])
        let valueBytes = (width + 7) / 8
        while out.count < count {
            guard pos < end else { throw Failure(what: "RLE/bit-packed data ends after \(out.count) of \(count) values") }
            let header = try varint(limited, &pos)
            guard header >> 1 <= UInt64(Int32.max) else { throw Failure(what: "RLE/bit-packed run header \(header) out of range") }
            if header & 1 == 0 {
                let run = Int(header >> 1)
                guard pos + valueBytes <= end else { throw Failure(what: "RLE run value past the end") }
                var v: UInt64 = 0
                for k in 0..<valueBytes { v |= UInt64(p[pos + k]) << UInt64(8 * k) }
                pos += valueBytes
                guard run > 0 else { continue }
                out.append(contentsOf: repeatElement(v, count: min(run, count - out.count)))
            } else {
                let groups = Int(header >> 1)
                guard groups > 0 else { continue }
                let bytes = groups * width  // 8 values of `width` bits per group
                guard bytes <= end - pos else { throw Failure(what: "bit-packed run of \(groups) groups past the end") }
                let take = min(groups * 8, count - out.count)
                var q = pos
                try unpack(limited, &q, width: width, count: take, into: &out)
                pos += bytes
            }
        }
    }

    /// DELTA_BINARY_PACKED: `count` integers (all of them if nil), wrapping at `bits` (32 or 64).
    static func deltaBinaryPacked(_ p: UnsafeRawBufferPointer, _ pos: inout Int, bits: Int, into out: inout [Int64]) throws {
        let rawBlock = try varint(p, &pos), rawMini = try varint(p, &pos), rawTotal = try varint(p, &pos)
        guard rawBlock <= 1 << 20, rawMini <= 1 << 10, rawTotal <= UInt64(Int32.max) else {
            throw Failure(what: "DELTA_BINARY_PACKED header out of range (block \(rawBlock), miniblocks \(rawMini), values \(rawTotal))")
        }
        let blockSize = Int(rawBlock), miniblocks = Int(rawMini), total = Int(rawTotal)
        var value = try zigzag(p, &pos)
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw Failure(what: "DELTA_BINARY_PACKED header: block \(blockSize), miniblocks \(miniblocks)")
        }
        guard total >= 0, total <= p.count * 64 + 1 else { throw Failure(what: "DELTA_BINARY_PACKED: \(total) values cannot fit") }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(min(total, 1 << 16))
        if total == 0 { return }
        out.append(value)
        let perMiniblock = blockSize / miniblocks
        var deltas: [UInt64] = []
        while out.count < total {
            let minDelta = try zigzag(p, &pos)
            guard pos + miniblocks <= p.count else { throw Failure(what: "DELTA_BINARY_PACKED: bit widths past the end") }
            var widths: [Int] = []
            for k in 0..<miniblocks { widths.append(Int(p[pos + k])) }
            pos += miniblocks
            for w in widths {
                guard out.count < total else { break }
                guard w <= 64 else { throw Failure(what: "DELTA_BINARY_PACKED: bit width \(w)") }
                deltas.removeAll(keepingCapacity: true)
                try unpack(p, &pos, width: w, count: perMiniblock, into: &deltas)
                for d in deltas {
                    guard out.count < total else { break }
                    value = value &+ minDelta &+ Int64(bitPattern: d)
                    if bits == 32 { value = Int64(Int32(truncatingIfNeeded: value)) }
                    out.append(value)
                }
            }
        }
    }
}
