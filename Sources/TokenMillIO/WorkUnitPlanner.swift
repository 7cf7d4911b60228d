import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts input files into work units.
///
/// Compressed files and whole-file/paragraph text are one unit each. Uncompressed line-oriented
/// files larger than `chunkBytes` are cut at newlines so that one big file still spreads over
/// `--jobs` threads; the planner counts newlines (with `memchr`) to give each range its first line
/// number, so `file:line` ids do not depend on the cut.
public enum WorkUnitPlanner {
    public static let defaultChunkBytes: Int64 = 64 << 20

    public static func plan(files: [(path: String, display: String)], spec: ReaderSpec,
                            chunkBytes: Int64 = defaultChunkBytes) throws -> [WorkUnit] {
        var units: [WorkUnit] = []
        for file in files {
            if spec.format == .parquet {
                // One unit per row group; `firstLine` is the group's first row (1-based).
                let parquet = try ParquetFile(path: file.path)
                var row = 1
                for g in 0..<parquet.rowGroupCount {
                    units.append(WorkUnit(path: file.path, displayPath: file.display, compression: .none, start: Int64(g), end: Int64(g + 1), firstLine: row))
                    row &+= parquet.rows(inRowGroup: g)
                }
                continue
            }
            let compression = Compression.detect(path: file.path)
            let lineOriented = spec.format == .jsonl || spec.textMode == .line
            let size = try fileSize(file.path)
            guard compression == .none, lineOriented, size > chunkBytes else {
                units.append(WorkUnit(path: file.path, displayPath: file.display, compression: compression))
                continue
            }
            units.append(contentsOf: try split(file: file, size: size, chunkBytes: chunkBytes))
        }
        return units
    }

    public static func fileSize(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw TokenMillError(.io, "\(path): cannot stat: \(String(cString: strerror(errno)))")
        }
        return Int64(st.st_size)
    }

    private static func split(file: (path: String, display: String), size: Int64, chunkBytes: Int64) throws -> [WorkUnit] {
        var units: [WorkUnit] = []
        var stream = try FileByteStream(path: file.path)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        var unitStart: Int64 = 0
        var unitFirstLine = 1
        var line = 1
        var nextCut = chunkBytes
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                var p = 0
                while p < n {
                    guard let hit = memchr(raw.baseAddress! + p, 0x0A, n - p) else { break }
                    let idx = raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    line += 1
                    let lineEnd = offset + Int64(idx) + 1
                    if lineEnd >= nextCut && lineEnd < size {
                        units.append(WorkUnit(path: file.path, displayPath: file.display, compression: .none,
                                              start: unitStart, end: lineEnd, firstLine: unitFirstLine))
                        unitStart = lineEnd
                        unitFirstLine = line
                        nextCut = lineEnd + chunkBytes
                    }
                    p = idx + 1
                }
            }
            offset += Int64(n)
        }
        units.append(WorkUnit(path: file.path, displayPath: file.display, compression: .none,
                              start: unitStart, end: nil, firstLine: unitFirstLine))
        return units
    }
}
