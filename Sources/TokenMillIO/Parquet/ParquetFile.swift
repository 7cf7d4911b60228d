#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// A Parquet file, memory-mapped: its footer, schema and row groups, and its column chunks
/// decoded on demand (`column(_:rowGroup:)`), one column at a time: reading the text column of
/// a file never touches the others.
///
/// Errors name the file, and where known the row group, the column and the page.
public final class ParquetFile: @unchecked Sendable {
    public let path: String
    public let metadata: ParquetFileMetaData
    public let schema: ParquetSchema
    /// Verify page CRCs where the writer stored them.
    public var verifyChecksums = true
    private let base: UnsafeMutableRawPointer
    private let size: Int

    public var rowGroupCount: Int { metadata.rowGroups.count }
    public var rowCount: Int64 { metadata.numRows }

    /// The file's bytes: memory-mapped, or owned (`init(bytes:)`).
    private let mapped: Bool

    public init(path: String) throws {
        let (m, size) = try MemoryMap.map(path, minimumSize: 12) {
            TokenMillError(.corruptInput, "\(path): not a Parquet file (\($0) bytes; a Parquet file has at least 12)")
        }
        do {
            (metadata, schema) = try Self.footer(UnsafeRawBufferPointer(start: m, count: size), path: path)
        } catch {
            munmap(m, size)
            throw error
        }
        self.path = path
        self.size = size
        base = m
        mapped = true
    }

    /// A file held in memory (`path` only names it in errors).
    public init(bytes: [UInt8], path: String = "parquet") throws {
        guard bytes.count >= 12 else {
            throw TokenMillError(.corruptInput, "\(path): not a Parquet file (\(bytes.count) bytes; a Parquet file has at least 12)")
        }
        let m = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { m.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        do {
            (metadata, schema) = try Self.footer(UnsafeRawBufferPointer(start: m, count: bytes.count), path: path)
        } catch {
            m.deallocate()
            throw error
        }
        self.path = path
        size = bytes.count
        base = m
        mapped = false
    }

    private static func footer(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (ParquetFileMetaData, ParquetSchema) {
        func corrupt(_ what: String) -> TokenMillError { TokenMillError(.corruptInput, "\(path): \(what)") }
        let size = bytes.count
        let magic = Array("PAR1".utf8)
        guard Array(bytes[0..<4]) == magic else { throw corrupt("bad magic at the start (not a Parquet file)") }
        guard Array(bytes[(size - 4)..<size]) == magic else {
            throw corrupt("bad magic at the end: the file is truncated or not a Parquet file (an encrypted footer, PARE, is not supported)")
        }
        let footerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: size - 8, as: UInt32.self)))
        guard footerLength > 0, footerLength <= size - 12 else { throw corrupt("footer length \(footerLength) does not fit in \(size) bytes (truncated?)") }
        var reader = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: bytes[(size - 8 - footerLength)..<(size - 8)]))
        let meta: ParquetFileMetaData
        do { meta = try reader.fileMetaData() } catch let f as ThriftCompactReader.Failure {
            throw corrupt("footer: \(f.description)")
        }
        let schema: ParquetSchema
        do { schema = try ParquetSchema(meta.schema) } catch let f as ParquetDecoding.Failure {
            throw corrupt("schema: \(f.what)")
        }
        for (g, group) in meta.rowGroups.enumerated() where group.columns.count != schema.leaves.count {
            throw corrupt("row group \(g) has \(group.columns.count) column chunks for \(schema.leaves.count) leaf columns")
        }
        return (meta, schema)
    }

    deinit { if mapped { munmap(base, size) } else { base.deallocate() } }

    /// Rows in row group `g`.
    public func rows(inRowGroup g: Int) -> Int { Int(metadata.rowGroups[g].numRows) }

    /// The decoded chunk of leaf column `leaf` (an index into `schema.leaves`) in row group `g`.
    /// With `jobs` > 1 its data pages are decoded on that many threads.
    public func column(_ leaf: Int, rowGroup g: Int, jobs: Int = 1) throws -> ParquetColumnData {
        try withChunkReader(leaf, rowGroup: g) { reader, location in
            reader.jobs = jobs
            return try reader.read(location: &location)
        }
    }

    /// The chunk of leaf column `leaf` in row group `g`, decoded one data page at a time: `body`
    /// gets each page's levels and values in order, in buffers reused for the next page (keep a
    /// copy to keep them). Memory stays at about one page (~1 MB), however large the row group.
    /// `pages` limits it to those data pages (of `dataPageCount(_:rowGroup:)`), so that threads
    /// can share one row group; the dictionary page is decoded only when they refer to it.
    /// For a repeated column a row may continue on the next page.
    public func forEachPage(_ leaf: Int, rowGroup g: Int, pages: Range<Int>? = nil, _ body: (ParquetColumnData) throws -> Void) throws {
        var buffers = ParquetPageBuffers()
        try forEachPage(leaf, rowGroup: g, pages: pages, buffers: &buffers, body)
    }

    /// `forEachPage(_:rowGroup:pages:_:)` decoding into `buffers`, which a thread keeps from
    /// chunk to chunk.
    public func forEachPage(_ leaf: Int, rowGroup g: Int, pages: Range<Int>? = nil, buffers: inout ParquetPageBuffers,
                            _ body: (ParquetColumnData) throws -> Void) throws {
        try withChunkReader(leaf, rowGroup: g) { reader, location in
            try reader.forEachPage(pages, location: &location, buffers: &buffers, body)
        }
    }

    /// The number of data pages in the chunk of leaf column `leaf` in row group `g` (only the
    /// page headers are read).
    public func dataPageCount(_ leaf: Int, rowGroup g: Int) throws -> Int {
        try withChunkReader(leaf, rowGroup: g) { reader, location in try reader.dataPageCount(location: &location) }
    }

    /// A reader for one column chunk; decoding failures are named by file, row group, column and page.
    private func withChunkReader<T>(_ leaf: Int, rowGroup g: Int, _ run: (inout ParquetColumnReader, inout ParquetLocation) throws -> T) throws -> T {
        guard g >= 0, g < metadata.rowGroups.count else { throw TokenMillError(.invalidConfiguration, "\(path): no row group \(g)") }
        let l = schema.leaves[leaf]
        let meta = metadata.rowGroups[g].columns[leaf]
        var location = ParquetLocation(rowGroup: g, column: l.dottedPath, page: 0)
        var reader = ParquetColumnReader(file: UnsafeRawBufferPointer(start: base, count: size), meta: meta, leaf: l, verifyCRC: verifyChecksums)
        do {
            return try run(&reader, &location)
        } catch let f as ParquetDecoding.Failure {
            throw TokenMillError(.corruptInput, "\(path): row group \(g), column \(l.dottedPath), page \(location.page): \(f.what)")
        } catch let f as ParquetCodecs.Failure {
            throw TokenMillError(.corruptInput, "\(path): row group \(g), column \(l.dottedPath), page \(location.page): \(f.what)")
        }
    }

    /// Leaf column `leaf` of row group `g`, one JSON value per row (see `ParquetRecords`).
    /// With `bytesAsText`, byte arrays are read as UTF-8 text whatever their annotation.
    public func rows(_ leaf: Int, rowGroup g: Int, bytesAsText: Bool = false, jobs: Int = 1) throws -> [JSONValue] {
        let data = try column(leaf, rowGroup: g, jobs: jobs)
        do {
            return try ParquetRecords.rows(data, leaf: schema.leaves[leaf], rows: rows(inRowGroup: g), bytesAsText: bytesAsText)
        } catch let f as ParquetDecoding.Failure {
            throw TokenMillError(.corruptInput, "\(path): row group \(g), column \(schema.leaves[leaf].dottedPath): \(f.what)")
        }
    }

    /// The leaf column for a dotted path, or an error listing the columns there are.
    public func leafIndex(_ dotted: String) throws -> Int {
        guard let (i, _) = schema.leaf(dotted) else {
            throw TokenMillError(.invalidConfiguration, "\(path): no column '\(dotted)'; its columns are \(schema.leaves.map(\.dottedPath).joined(separator: ", "))")
        }
        return i
    }
}
