import TokenMillCore

/// The state of decoding a column chunk's pages: the levels and values so far, the buffers a
/// thread reuses page after page, and the values' loans of the page buffer or the dictionary
/// when a chunk is read a page at a time.
extension ParquetColumnReader {
    /// Levels and values decoded so far, and the buffers reused page after page.
    struct DecodeState {
        var values: ParquetValues
        var defs: [UInt16]?
        var reps: [UInt16]?
        var page: [UInt8] = []
        var scratch: [UInt64] = []

        init(leaf: ParquetSchema.Leaf, reserveBytes: Int, reserveValues: Int) {
            values = ParquetValues.empty(leaf.type, width: leaf.typeLength)
            if leaf.type == .byteArray {
                // Room for the bytes up front (bounded: the header may lie), so that the values
                // are not copied again and again as pages arrive.
                var arrays = ParquetByteArrays()
                arrays.data.reserveCapacity(reserveBytes)
                arrays.offsets.reserveCapacity(reserveValues + 1)
                values = .bytes(arrays)
            }
            defs = leaf.maxDefinition > 0 ? [] : nil
            reps = leaf.maxRepetition > 0 ? [] : nil
        }

        var result: ParquetColumnData { ParquetColumnData(definitionLevels: defs, repetitionLevels: reps, values: values) }

        /// Room for a page of `pageBytes` (bounded: the header may lie) and its byte arrays.
        mutating func reserve(pageBytes: Int) {
            let n = min(pageBytes, 64 << 20)
            page.reserveDiscarding(n)
            values.reserve(bytes: n)
        }

        /// Whether these buffers hold `leaf`'s kind of levels and values.
        func suits(_ leaf: ParquetSchema.Leaf) -> Bool {
            values.sameKind(as: ParquetValues.empty(leaf.type, width: leaf.typeLength))
                && (defs != nil) == (leaf.maxDefinition > 0) && (reps != nil) == (leaf.maxRepetition > 0)
        }

        /// Page at a time (`forEachPage`): PLAIN byte arrays are moved together inside the page
        /// buffer, which the values then borrow until `removeAll()`, instead of being copied out;
        /// a page that lists the whole dictionary in order borrows the dictionary.
        var inPlace = false
        /// What `values` borrows until `removeAll()`.
        var loan = Loan.none
        enum Loan {
            case none
            /// The page buffer, and `page` holds the values' emptied byte buffer.
            case page
            /// The dictionary; the values' own emptied byte arrays wait here.
            case dictionary(ParquetByteArrays)
        }

        /// With `inPlace`, for a page of PLAIN byte arrays whose values start at `q` in the
        /// decompressed page: each value is moved down over the length prefixes (and levels)
        /// before it, the offsets are recorded, and the page buffer becomes the values' bytes.
        /// False (nothing done) when this does not apply.
        mutating func plainBytesInPlace(encoding: Int32, from q: Int, count: Int) throws -> Bool {
            guard inPlace, case .none = loan, encoding == ParquetEncoding.plain.rawValue, case .bytes(var current) = values,
                  current.offsets.count == 1, current.data.isEmpty else { return false }
            values = .boolean([])  // `current` now holds the only references
            do {
                try ParquetColumnReader.movePlainTogether(&page, from: q, count: count, offsets: &current.offsets)
            } catch {
                current.offsets = [0]
                values = .bytes(current)
                throw error
            }
            // The values' own (empty) byte buffer stands in for the page buffer while it is
            // lent, and comes back to the values in `removeAll()`: its capacity is kept for
            // pages whose values are not moved in place (dictionary-encoded ones).
            swap(&current.data, &page)
            values = .bytes(current)
            loan = .page
            return true
        }

        /// With `inPlace`, for a dictionary-encoded page of byte arrays whose `indices` are 0, 1,
        /// 2… through the dictionary's last entry (as a writer's first page lists a column of
        /// distinct values, before it falls back to PLAIN): the values borrow the dictionary
        /// instead of copying it entry by entry. False (nothing done) when this does not apply.
        mutating func lendDictionary(_ dictionary: ParquetValues?, indices: [UInt64]) -> Bool {
            guard inPlace, case .none = loan, case .bytes(let d)? = dictionary, d.count == indices.count, d.count > 0,
                  case .bytes(let own) = values, own.offsets.count == 1, own.data.isEmpty else { return false }
            for (k, i) in indices.enumerated() where i != UInt64(k) { return false }
            values = .bytes(d)
            loan = .dictionary(own)
            return true
        }

        /// Empties the levels and values, keeping their buffers.
        mutating func removeAll() {
            switch loan {
            case .none: break
            case .page:
                if case .bytes(var v) = values {
                    values = .boolean([])
                    swap(&v.data, &page)
                    values = .bytes(v)
                }
            case .dictionary(let own):
                values = .bytes(own)
            }
            loan = .none
            defs?.removeAll(keepingCapacity: true)
            reps?.removeAll(keepingCapacity: true)
            values.removeAll()
        }

        /// Appends what `other` decoded (the pages after this one's).
        mutating func append(_ other: DecodeState) {
            if let d = other.defs { defs!.append(contentsOf: d) }
            if let r = other.reps { reps!.append(contentsOf: r) }
            ParquetValues.append(other.values, to: &values)
        }
    }

    /// The `count` PLAIN byte arrays that start at `q` in `buffer` (each a 4-byte length, then
    /// its bytes), each moved down over the length prefixes (and whatever came before `q`) so
    /// that they lie back to back from the start; their end offsets are appended to `offsets`
    /// and the buffer is cut where they end. On failure the buffer holds nothing of use.
    static func movePlainTogether(_ buffer: inout [UInt8], from q: Int, count: Int, offsets: inout [Int]) throws {
        offsets.reserveGrowing(offsets.count + min(count, max(0, buffer.count - q) / 4))
        var short = false
        let end = buffer.withUnsafeMutableBytes { b -> Int in
            var r = q, w = 0
            for _ in 0..<count {
                guard let base = b.baseAddress, r >= 0, r <= b.count - 4 else { short = true; break }
                let n = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: r, as: UInt32.self)))
                r += 4
                guard n <= b.count - r else { short = true; break }
                (base + w).copyMemory(from: base + r, byteCount: n)  // a memmove: w <= r
                w += n
                r += n
                offsets.append(w)
            }
            return w
        }
        if short { throw ParquetDecoding.Failure(what: "PLAIN values past the end of the page (\(count) values)") }
        buffer.removeLast(buffer.count - end)
    }
}
