#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// LSH buckets that need not fit in memory: (band key, document) entries are buffered per band;
/// when the buffer is full each band's entries are sorted and written as a run (12 bytes an
/// entry: key, document, little-endian). Grouping merges the runs (and an index's band files)
/// and reports each set of documents that share a key.
public final class LSHBuckets {
    struct Entry: Comparable {
        var key: UInt64
        var doc: UInt32
        static func < (a: Entry, b: Entry) -> Bool { a.key != b.key ? a.key < b.key : a.doc < b.doc }
    }

    public let bands: Int
    private var buffers: [[Entry]]
    private var runs: [[String]]
    private let spillDirectory: String
    private let maxBuffered: Int
    private var buffered = 0
    public private(set) var spills = 0

    public init(bands: Int, spillDirectory: String, maxBufferedEntries: Int = 1 << 24) {
        self.bands = bands
        buffers = Array(repeating: [], count: bands)
        runs = Array(repeating: [], count: bands)
        self.spillDirectory = spillDirectory
        maxBuffered = max(bands, maxBufferedEntries)
    }

    deinit { removeRuns() }

    public func add(doc: UInt32, keys: [UInt64]) throws {
        for (band, key) in keys.enumerated() { buffers[band].append(Entry(key: key, doc: doc)) }
        buffered += keys.count
        if buffered >= maxBuffered { try spill() }
    }

    private func spill() throws {
        if spills == 0 { try makeDirectory(spillDirectory) }
        for band in 0..<bands {
            buffers[band].sort()
            let path = "\(spillDirectory)/band\(band)-run\(spills).bin"
            try Self.write(buffers[band], to: path)
            runs[band].append(path)
            buffers[band].removeAll(keepingCapacity: true)
        }
        buffered = 0
        spills += 1
    }

    /// Calls `body` with the documents (ascending) of every key that two or more share, band by
    /// band; `extra[band]` are more sorted run files to merge in (an index's band files).
    public func forEachGroup(extra: [String?] = [], _ body: ([UInt32]) throws -> Void) throws {
        for band in 0..<bands {
            var group: [UInt32] = []
            var key: UInt64 = 0
            try merge(band, extra: band < extra.count ? extra[band] : nil) { e in
                if group.isEmpty || e.key != key {
                    if group.count > 1 { try body(group) }
                    group.removeAll(keepingCapacity: true)
                    key = e.key
                }
                if group.last != e.doc { group.append(e.doc) }
            }
            if group.count > 1 { try body(group) }
        }
    }

    /// Writes the entries, merged with `extra`, as the sorted band files of an index; `renumber`
    /// gives each document's number there (nil: leave it out) and must keep their order.
    /// Temporary names, renamed when complete.
    public func writeBands(to directory: String, extra: [String?], renumber: (UInt32) -> UInt32?) throws {
        try makeDirectory(directory)
        for band in 0..<bands {
            let path = "\(directory)/\(Self.bandFile(band))"
            let writer = try RunWriter(path: path + ".tmp")
            try merge(band, extra: band < extra.count ? extra[band] : nil) { e in
                if let d = renumber(e.doc) { try writer.append(Entry(key: e.key, doc: d)) }
            }
            try writer.close()
            guard rename(path + ".tmp", path) == 0 else { throw TokenMillError(.io, "cannot rename \(path).tmp: errno \(errno)") }
        }
    }

    public static func bandFile(_ band: Int) -> String {
        let s = String(band)
        return "band_" + String(repeating: "0", count: max(0, 3 - s.count)) + s + ".bin"
    }

    public func removeRuns() {
        for band in runs { for p in band { unlink(p) } }
        runs = Array(repeating: [], count: bands)
        if spills > 0 { rmdir(spillDirectory) }
    }

    private func merge(_ band: Int, extra: String?, _ body: (Entry) throws -> Void) throws {
        if runs[band].isEmpty && extra == nil {
            buffers[band].sort()
            for e in buffers[band] { try body(e) }
            return
        }
        buffers[band].sort()
        var sources: [RunReader] = try runs[band].map { try RunReader(path: $0) }
        if let extra { sources.append(try RunReader(path: extra)) }
        var heads: [Entry?] = try sources.map { try $0.next() }
        var memory = 0
        let mem = buffers[band]
        while true {
            var best: Entry? = memory < mem.count ? mem[memory] : nil
            var from = -1
            for (i, h) in heads.enumerated() { if let h, best == nil || h < best! { best = h; from = i } }
            guard let e = best else { break }
            if from < 0 { memory += 1 } else { heads[from] = try sources[from].next() }
            try body(e)
        }
    }

    static func write(_ entries: [Entry], to path: String) throws {
        let w = try RunWriter(path: path)
        for e in entries { try w.append(e) }
        try w.close()
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TokenMillError(.io, "cannot create the spill folder \(path): errno \(errno)")
        }
    }

    final class RunWriter {
        private let file: UnsafeMutablePointer<FILE>
        private var buffer: [UInt8] = []
        let path: String

        init(path: String) throws {
            guard let f = fopen(path, "wb") else { throw TokenMillError(.io, "cannot write \(path): errno \(errno)") }
            file = f
            self.path = path
            buffer.reserveCapacity(1 << 20)
        }

        func append(_ e: Entry) throws {
            withUnsafeBytes(of: e.key.littleEndian) { buffer.append(contentsOf: $0) }
            withUnsafeBytes(of: e.doc.littleEndian) { buffer.append(contentsOf: $0) }
            if buffer.count >= 1 << 20 { try flush() }
        }

        private func flush() throws {
            let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard n == buffer.count else { throw TokenMillError(.io, "cannot write \(path) (disk full?)") }
            buffer.removeAll(keepingCapacity: true)
        }

        func close() throws {
            try flush()
            guard fclose(file) == 0 else { throw TokenMillError(.io, "cannot close \(path): errno \(errno)") }
        }
    }

    final class RunReader {
        private let file: UnsafeMutablePointer<FILE>
        private var buffer = [UInt8](repeating: 0, count: 12 << 14)
        private var filled = 0, position = 0
        let path: String

        init(path: String) throws {
            guard let f = fopen(path, "rb") else { throw TokenMillError(.io, "cannot read \(path): errno \(errno)") }
            file = f
            self.path = path
        }

        deinit { fclose(file) }

        func next() throws -> Entry? {
            if position + 12 > filled {
                let rest = filled - position
                if rest > 0 { buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: rest) } }
                let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + rest, 1, $0.count - rest, file) }
                filled = rest + n
                position = 0
                if filled == 0 { return nil }
                guard filled >= 12 else { throw TokenMillError(.corruptInput, "\(path): truncated (its size is not a multiple of 12 bytes)") }
            }
            let e = buffer.withUnsafeBytes { raw -> Entry in
                Entry(key: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)),
                      doc: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self)))
            }
            position += 12
            return e
        }
    }
}
