import CZlib
import Dispatch
import TokenMillCore

/// Variable-length byte strings stored back to back: value i is `data[offsets[i]..<offsets[i+1]]`.
public struct ParquetByteArrays: Sendable, Equatable {
    public var offsets: [Int] = [0]
    public var data: [UInt8] = []
    public var count: Int { offsets.count - 1 }
    public subscript(i: Int) -> ArraySlice<UInt8> { data[offsets[i]..<offsets[i + 1]] }
    public func string(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }
    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        data.append(contentsOf: bytes)
        offsets.append(data.count)
    }
}

extension Array {
    /// Room for `count` elements in all. When the storage must grow it at least doubles, as
    /// appending does: `reserveCapacity` alone allocates exactly `count`, so reserving a little
    /// more for each page would move (and copy) the whole buffer once per page, and a reused
    /// buffer would move to memory not touched yet each time a larger page came. Capacity that
    /// is reserved and never written costs no memory.
    mutating func reserveGrowing(_ count: Int) {
        if count > capacity { reserveCapacity(Swift.max(count, 2 * capacity)) }
    }

    /// Room for `count` elements in a buffer whose contents are stale (about to be overwritten):
    /// when it must grow, they are dropped rather than copied to the new storage, which gets room
    /// for twice `count`, so that a somewhat larger page later (of another chunk, or on another
    /// thread's next run) does not move it again to memory not touched yet.
    mutating func reserveDiscarding(_ count: Int) {
        guard count > capacity else { return }
        self = []
        reserveCapacity(2 * count)
    }
}

/// The non-null values of a column chunk, by physical type.
public enum ParquetValues: Sendable, Equatable {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    /// 12 bytes per value.
    case int96([UInt8])
    case float([Float])
    case double([Double])
    case bytes(ParquetByteArrays)
    case fixed(width: Int, data: [UInt8])

    public var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .int96(let v): v.count / 12
        case .float(let v): v.count
        case .double(let v): v.count
        case .bytes(let v): v.count
        case .fixed(let w, let d): w == 0 ? 0 : d.count / w
        }
    }

    /// Appends `other`'s values (of the same type) to `target`.
    static func append(_ other: ParquetValues, to target: inout ParquetValues) {
        switch other {
        case .boolean(let b): guard case .boolean(var a) = target else { return }; target = .boolean([]); a += b; target = .boolean(a)
        case .int32(let b): guard case .int32(var a) = target else { return }; target = .boolean([]); a += b; target = .int32(a)
        case .int64(let b): guard case .int64(var a) = target else { return }; target = .boolean([]); a += b; target = .int64(a)
        case .int96(let b): guard case .int96(var a) = target else { return }; target = .boolean([]); a += b; target = .int96(a)
        case .float(let b): guard case .float(var a) = target else { return }; target = .boolean([]); a += b; target = .float(a)
        case .double(let b): guard case .double(var a) = target else { return }; target = .boolean([]); a += b; target = .double(a)
        case .fixed(let w, let b): guard case .fixed(_, var a) = target else { return }; target = .boolean([]); a += b; target = .fixed(width: w, data: a)
        case .bytes(let b):
            guard case .bytes(var a) = target else { return }
            target = .boolean([])
            let base = a.data.count
            a.data += b.data
            a.offsets += b.offsets.dropFirst().lazy.map { $0 + base }
            target = .bytes(a)
        }
    }

    /// Whether `other` holds the same physical type (and width).
    func sameKind(as other: ParquetValues) -> Bool {
        switch (self, other) {
        case (.boolean, .boolean), (.int32, .int32), (.int64, .int64), (.int96, .int96), (.float, .float), (.double, .double), (.bytes, .bytes): true
        case (.fixed(let a, _), .fixed(let b, _)): a == b
        default: false
        }
    }

    /// Room for byte arrays of `bytes` bytes in all (bounded: a header may lie); other types
    /// are left as they are.
    mutating func reserve(bytes: Int) {
        let n = min(bytes, 64 << 20)
        guard case .bytes(var v) = self, v.data.capacity < n else { return }
        self = .boolean([])  // `v` is now the only reference: reserving does not copy
        v.data.reserveGrowing(n)
        self = .bytes(v)
    }

    /// Removes every value, keeping the storage.
    mutating func removeAll() {
        // Each case takes the payload out of `self` first, so that emptying it does not copy it.
        switch self {
        case .boolean(var v): self = .int32([]); v.removeAll(keepingCapacity: true); self = .boolean(v)
        case .int32(var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .int32(v)
        case .int64(var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .int64(v)
        case .int96(var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .int96(v)
        case .float(var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .float(v)
        case .double(var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .double(v)
        case .fixed(let w, var v): self = .boolean([]); v.removeAll(keepingCapacity: true); self = .fixed(width: w, data: v)
        case .bytes(var v):
            self = .boolean([])
            v.data.removeAll(keepingCapacity: true)
            v.offsets.removeAll(keepingCapacity: true)
            v.offsets.append(0)
            self = .bytes(v)
        }
    }

    static func empty(_ type: ParquetPhysicalType, width: Int) -> ParquetValues {
        switch type {
        case .boolean: .boolean([])
        case .int32: .int32([])
        case .int64: .int64([])
        case .int96: .int96([])
        case .float: .float([])
        case .double: .double([])
        case .byteArray: .bytes(ParquetByteArrays())
        case .fixedLenByteArray: .fixed(width: width, data: [])
        }
    }
}

/// One column chunk, decoded: the levels of every slot (nil when the column has none) and the
/// non-null values in order.
public struct ParquetColumnData: Sendable, Equatable {
    public var definitionLevels: [UInt16]?
    public var repetitionLevels: [UInt16]?
    public var values: ParquetValues
}

/// Buffers that one thread reuses from column chunk to column chunk with
/// `ParquetFile.forEachPage(_:rowGroup:pages:buffers:_:)`, so that pages are decompressed and
/// decoded into memory it has already touched.
public struct ParquetPageBuffers {
    var state: ParquetColumnReader.DecodeState?
    var dictionary: ParquetValues?
    public init() {}
}

/// Where a failure happened, for the error message.
struct ParquetLocation {
    var rowGroup: Int
    var column: String
    var page: Int
}

/// Reads one column chunk page by page.
struct ParquetColumnReader {
    let file: UnsafeRawBufferPointer
    let meta: ParquetColumnMetaData
    let leaf: ParquetSchema.Leaf
    let verifyCRC: Bool
    /// Threads to decode the data pages on (runs of consecutive pages).
    var jobs = 1

    func read(location: inout ParquetLocation) throws -> ParquetColumnData {
        let chunk = try pages(location: &location)
        var dictionary: ParquetValues?
        if let page = chunk.dictionary {
            var bytes: [UInt8] = [], none: ParquetValues?
            dictionary = try decodeDictionary(page, location: &location, bytes: &bytes, reusing: &none, room: 0)
        }
        return try decodeAll(chunk.data, dictionary: dictionary, location: &location)
    }

    /// The number of data pages in the chunk (its page headers are read; nothing is decoded).
    func dataPageCount(location: inout ParquetLocation) throws -> Int {
        try pages(location: &location).data.count
    }

    /// Decodes the chunk's data pages `range` (all by default) one at a time, handing each
    /// page's levels and values to `body` in order, in buffers that are reused for the next
    /// page (a copy escapes only if `body` keeps one). Memory stays at one page's worth, however
    /// large the chunk. The dictionary page is decoded only if a page in `range` refers to it.
    /// For a repeated column, a row may continue on the next page (it starts where the
    /// repetition level is 0).
    func forEachPage(_ range: Range<Int>?, location: inout ParquetLocation, buffers: inout ParquetPageBuffers,
                     _ body: (ParquetColumnData) throws -> Void) throws {
        let chunk = try pages(location: &location)
        if let range, range.lowerBound < 0 || range.upperBound > chunk.data.count {
            throw ParquetDecoding.Failure(what: "data pages \(range) asked of a chunk with \(chunk.data.count)")
        }
        let data = range.map { chunk.data.dropFirst($0.lowerBound).prefix($0.count) } ?? chunk.data
        // The buffers of the last chunk, if they suit this column: taken out of `buffers` so
        // that they are the only references, and put back at the end.
        var state = DecodeState(leaf: leaf, reserveBytes: 0, reserveValues: 0)
        if let old = buffers.state, old.suits(leaf) {
            buffers.state = nil
            state = old
            state.removeAll()
        }
        state.inPlace = true
        // Room for the largest page up front, so that a slightly larger page does not move the
        // buffers to memory not touched yet.
        let largest = max(data.lazy.map(\.header.uncompressedSize).max() ?? 0, chunk.dictionary?.header.uncompressedSize ?? 0)
        state.reserve(pageBytes: Int(largest))
        var dictionary: ParquetValues?
        defer {
            buffers.state = state
            if let dictionary { buffers.dictionary = dictionary }
        }
        for page in data {
            if dictionary == nil, let d = chunk.dictionary, Self.usesDictionary(page.header.encoding) {
                dictionary = try decodeDictionary(d, location: &location, bytes: &state.page, reusing: &buffers.dictionary, room: Int(largest))
            }
            location.page = page.index
            try decode(page, dictionary: dictionary, into: &state)
            try body(state.result)
            state.removeAll()
        }
    }

    static func usesDictionary(_ encoding: Int32) -> Bool {
        encoding == ParquetEncoding.plainDictionary.rawValue || encoding == ParquetEncoding.rleDictionary.rawValue
    }

    /// The chunk's page headers read, and its dictionary page and data pages located (nothing
    /// is decompressed).
    func pages(location: inout ParquetLocation) throws -> (dictionary: PageRef?, data: ArraySlice<PageRef>) {
        let start = Int(meta.dictionaryPageOffset.map { $0 > 0 && $0 < meta.dataPageOffset ? $0 : meta.dataPageOffset } ?? meta.dataPageOffset)
        guard start >= 4, start <= file.count, meta.totalCompressedSize >= 0, meta.totalCompressedSize <= Int64(file.count),
              meta.numValues >= 0, meta.numValues <= Int64(Int32.max) * 64 else {
            throw ParquetDecoding.Failure(what: "column chunk at byte \(start) of \(meta.totalCompressedSize) bytes, \(meta.numValues) values, does not fit the file's \(file.count) bytes")
        }
        let end = start + Int(meta.totalCompressedSize)
        guard end <= file.count - 8 else {
            throw ParquetDecoding.Failure(what: "column chunk at bytes \(start)..<\(end) lies outside the file's \(file.count) bytes")
        }
        // 1. Page headers: where each page is (cheap; nothing is decompressed).
        var pages: [PageRef] = []
        var pos = start, slots = 0
        location.page = 0
        while slots < Int(meta.numValues) && pos < end {
            var thrift = ThriftCompactReader(file, at: pos)
            let header: ParquetPageHeader
            do { header = try thrift.pageHeader() } catch let f as ThriftCompactReader.Failure {
                throw ParquetDecoding.Failure(what: "page header at byte \(pos): \(f.what)")
            }
            let bodyStart = thrift.position
            let compressed = Int(header.compressedSize), uncompressed = Int(header.uncompressedSize)
            guard header.numValues >= 0, header.numValues <= ParquetColumnReader.maxPageValues, header.numNulls >= 0, header.numNulls <= header.numValues else {
                throw ParquetDecoding.Failure(what: "page header with \(header.numValues) values and \(header.numNulls) nulls")
            }
            guard uncompressed <= 1 << 30 else { throw ParquetDecoding.Failure(what: "page of \(uncompressed) bytes uncompressed (more than 1 GiB)") }
            guard compressed >= 0, uncompressed >= 0, bodyStart + compressed <= end else {
                throw ParquetDecoding.Failure(what: "page of \(compressed) bytes at byte \(bodyStart) runs past the column chunk's end (byte \(end))")
            }
            pos = bodyStart + compressed
            let type = ParquetPageType(rawValue: header.type)
            if type == .dataPage || type == .dataPageV2 { slots += Int(header.numValues) }
            if type != nil && type != .indexPage {
                pages.append(PageRef(header: header, body: UnsafeRawBufferPointer(rebasing: file[bodyStart..<pos]), index: location.page))
            }
            location.page += 1
        }
        guard slots == Int(meta.numValues) else {
            throw ParquetDecoding.Failure(what: "column chunk ends after \(slots) of its \(meta.numValues) values")
        }
        var dictionary: PageRef?
        var data = pages[...]
        if let first = pages.first, first.header.type == ParquetPageType.dictionaryPage.rawValue {
            dictionary = first
            data = pages.dropFirst()
        }
        if let extra = data.first(where: { $0.header.type == ParquetPageType.dictionaryPage.rawValue }) {
            location.page = extra.index
            throw ParquetDecoding.Failure(what: "a second dictionary page")
        }
        return (dictionary, data)
    }

    /// The values of the dictionary page `page`, in the buffers of `reuse` when it holds a
    /// dictionary of the same kind that is no longer needed (it is taken: `reuse` becomes nil).
    /// Byte arrays are decompressed straight into the dictionary's byte buffer and moved
    /// together there, as `forEachPage` does with PLAIN pages, in room for at least `room`
    /// bytes (the largest page of the chunk: dictionaries of the next chunks are about as
    /// large, and then fit); other values are decompressed into `bytes` and copied out.
    func decodeDictionary(_ page: PageRef, location: inout ParquetLocation, bytes: inout [UInt8], reusing reuse: inout ParquetValues?,
                          room: Int) throws -> ParquetValues {
        location.page = page.index
        try check(page)
        var dictionary = ParquetValues.empty(leaf.type, width: leaf.typeLength)
        if let old = reuse, old.sameKind(as: dictionary) {
            reuse = nil
            dictionary = old
        }
        let size = Int(page.header.uncompressedSize), count = Int(page.header.numValues)
        if case .bytes(var d) = dictionary {
            dictionary = .boolean([])  // `d` is now the only reference
            // The old bytes stay in place: decompression overwrites them, and only a larger
            // page needs more (zeroed) room.
            d.offsets.removeAll(keepingCapacity: true)
            d.offsets.append(0)
            d.data.reserveDiscarding(min(room, 64 << 20))
            try ParquetCodecs.decompress(meta.codec, page.body, size: size, into: &d.data)
            try Self.movePlainTogether(&d.data, from: 0, count: count, offsets: &d.offsets)
            return .bytes(d)
        }
        dictionary.removeAll()
        try ParquetCodecs.decompress(meta.codec, page.body, size: size, into: &bytes)
        try bytes.withUnsafeBytes { p in
            var q = 0
            try Self.plain(p, &q, type: leaf.type, width: leaf.typeLength, count: count, into: &dictionary)
        }
        return dictionary
    }

    /// Room for the values of the data pages `data` (bounded: headers may lie). Byte arrays get
    /// each page's uncompressed size, or, for a dictionary-encoded page, the dictionary's mean
    /// entry length for each of its values: there an index takes a byte or less for a value of
    /// any length.
    func chunkReserve(_ data: ArraySlice<PageRef>, dictionary: ParquetValues?) -> (bytes: Int64, values: Int64) {
        var mean = 0.0
        if case .bytes(let d)? = dictionary, d.count > 0 { mean = Double(d.data.count) / Double(d.count) }
        var bytes = 0.0
        for page in data {
            let h = page.header
            bytes += Self.usesDictionary(h.encoding) ? Double(h.numValues) * mean : Double(min(Int(h.uncompressedSize), page.body.count * 32))
        }
        return (Int64(min(bytes, Double(1 << 31))), min(meta.numValues, meta.totalCompressedSize * 8, 1 << 26))
    }

    /// Decodes `data` (all of the chunk's data pages) into one `ParquetColumnData`.
    func decodeAll(_ data: ArraySlice<PageRef>, dictionary: ParquetValues?, location: inout ParquetLocation) throws -> ParquetColumnData {
        let workers = max(1, min(jobs, data.count / 2))
        let (reserveBytes, reserveValues) = chunkReserve(data, dictionary: dictionary)
        if workers == 1 {
            var state = DecodeState(leaf: leaf, reserveBytes: Int(reserveBytes), reserveValues: Int(reserveValues))
            for page in data {
                location.page = page.index
                try decode(page, dictionary: dictionary, into: &state)
            }
            return state.result
        }
        // Contiguous runs of pages with about the same compressed bytes each.
        let total = data.reduce(0) { $0 + $1.body.count }
        var bounds = [data.startIndex]
        var acc = 0
        for i in data.indices {
            acc += data[i].body.count
            if bounds.count < workers && acc * workers >= total * bounds.count && i + 1 < data.endIndex { bounds.append(i + 1) }
        }
        bounds.append(data.endIndex)
        let runs = bounds.count - 1
        var results = [(state: DecodeState?, failure: (page: Int, error: any Error)?)](repeating: (nil, nil), count: runs)
        let dictionaryCopy = dictionary, runPages = data, runBounds = bounds
        nonisolated(unsafe) let reader = self
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: runs) { r in
                let data = runPages, bounds = runBounds
                let run = data[bounds[r]..<bounds[r + 1]]
                let share = Double(run.reduce(0) { $0 + $1.body.count }) / Double(max(1, total))
                var state = DecodeState(leaf: reader.leaf, reserveBytes: Int(Double(reserveBytes) * share), reserveValues: Int(Double(reserveValues) * share))
                for page in run {
                    do { try reader.decode(page, dictionary: dictionaryCopy, into: &state) } catch {
                        out[r].failure = (page.index, error)
                        return
                    }
                }
                out[r].state = state
            }
        }
        if let failure = results.lazy.compactMap(\.failure).first {
            location.page = failure.page
            throw failure.error
        }
        var merged = results[0].state!
        for r in results.dropFirst() { merged.append(r.state!) }
        return merged.result
    }

    /// A page found in the chunk: its header, body (as stored) and ordinal in the chunk.
    struct PageRef: @unchecked Sendable {
        var header: ParquetPageHeader
        var body: UnsafeRawBufferPointer
        var index: Int
    }

    func check(_ page: PageRef) throws {
        guard verifyCRC, let crc = page.header.crc else { return }
        let actual = UInt32(truncatingIfNeeded: crc32(0, page.body.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(page.body.count)))
        guard actual == UInt32(bitPattern: crc) else {
            throw ParquetDecoding.Failure(what: "page CRC mismatch (stored \(String(UInt32(bitPattern: crc), radix: 16)), computed \(String(actual, radix: 16)))")
        }
    }

    /// Decodes one data page (v1 or v2) into `state`.
    func decode(_ ref: PageRef, dictionary: ParquetValues?, into state: inout DecodeState) throws {
        try check(ref)
        let header = ref.header, body = ref.body
        let compressed = body.count, uncompressed = Int(header.uncompressedSize)
        let n = Int(header.numValues)
        if header.type == ParquetPageType.dataPage.rawValue {
            try ParquetCodecs.decompress(meta.codec, body, size: uncompressed, into: &state.page)
            let (valuesStart, present) = try state.page.withUnsafeBytes { p -> (Int, Int) in
                var q = 0
                var present = n
                if leaf.maxRepetition > 0 {
                    try Self.levelsV1(p, &q, max: leaf.maxRepetition, count: n, encoding: header.repetitionLevelEncoding, scratch: &state.scratch)
                    state.reps!.append(contentsOf: state.scratch.lazy.map { UInt16(truncatingIfNeeded: $0) })
                }
                if leaf.maxDefinition > 0 {
                    try Self.levelsV1(p, &q, max: leaf.maxDefinition, count: n, encoding: header.definitionLevelEncoding, scratch: &state.scratch)
                    present = 0
                    let maxDef = UInt64(leaf.maxDefinition)
                    for d in state.scratch {
                        guard d <= maxDef else { throw ParquetDecoding.Failure(what: "definition level \(d) above the maximum \(maxDef)") }
                        if d == maxDef { present += 1 }
                    }
                    state.defs!.append(contentsOf: state.scratch.lazy.map { UInt16(truncatingIfNeeded: $0) })
                }
                return (q, present)
            }
            try decodeValues(encoding: header.encoding, from: valuesStart, count: present, dictionary: dictionary, into: &state)
            return
        }
        // DATA_PAGE_V2: levels first, uncompressed; then the values, compressed unless said otherwise.
        let repBytes = Int(header.repetitionLevelsByteLength), defBytes = Int(header.definitionLevelsByteLength)
        guard repBytes >= 0, defBytes >= 0, repBytes + defBytes <= compressed, repBytes + defBytes <= uncompressed else {
            throw ParquetDecoding.Failure(what: "level lengths \(repBytes) + \(defBytes) exceed the page's \(compressed) bytes")
        }
        var present = n - Int(header.numNulls)
        if leaf.maxRepetition > 0 {
            var q = 0
            try ParquetDecoding.rleHybrid(body, &q, end: repBytes, width: Self.bitWidth(leaf.maxRepetition), count: n, into: &state.scratch)
            state.reps!.append(contentsOf: state.scratch.lazy.map { UInt16(truncatingIfNeeded: $0) })
        }
        if leaf.maxDefinition > 0 {
            var q = repBytes
            try ParquetDecoding.rleHybrid(body, &q, end: repBytes + defBytes, width: Self.bitWidth(leaf.maxDefinition), count: n, into: &state.scratch)
            let maxDef = UInt64(leaf.maxDefinition)
            present = state.scratch.reduce(0) { $0 + ($1 == maxDef ? 1 : 0) }
            state.defs!.append(contentsOf: state.scratch.lazy.map { UInt16(truncatingIfNeeded: $0) })
        }
        let rest = UnsafeRawBufferPointer(rebasing: body[(repBytes + defBytes)...])
        let codec = header.isCompressed ? meta.codec : .uncompressed
        try ParquetCodecs.decompress(codec, rest, size: uncompressed - repBytes - defBytes, into: &state.page)
        try decodeValues(encoding: header.encoding, from: 0, count: present, dictionary: dictionary, into: &state)
    }

    /// The `count` values of a decompressed page (in `state.page`, from `start`) appended to
    /// `state.values`, or lent to them (see `DecodeState.inPlace`).
    private func decodeValues(encoding: Int32, from start: Int, count: Int, dictionary: ParquetValues?, into state: inout DecodeState) throws {
        if try state.plainBytesInPlace(encoding: encoding, from: start, count: count) { return }
        if state.inPlace, Self.usesDictionary(encoding), case .bytes? = dictionary, count > 0 {
            try state.page.withUnsafeBytes { p in
                var q = start
                try Self.dictionaryIndices(p, &q, count: count, into: &state.scratch)
            }
            if state.lendDictionary(dictionary, indices: state.scratch) { return }
            try Self.gather(dictionary!, state.scratch, into: &state.values)
            return
        }
        try state.page.withUnsafeBytes { p in
            var q = start
            try Self.values(p, &q, encoding: encoding, count: count, leaf: leaf, dictionary: dictionary, into: &state.values, scratch: &state.scratch)
        }
    }

    /// More values in one page is taken for a corrupt header (writers cut pages at about 1 MB
    /// or 20,000 rows).
    static let maxPageValues: Int32 = 1 << 24
}
