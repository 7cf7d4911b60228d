import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillIO

struct ParquetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Print a Parquet file's schema, or its rows as JSONL: one member per leaf column, keyed by its dotted path.")

    @Argument(help: "A Parquet file.") var file: String
    @Option(help: "Only these columns (comma-separated dotted paths; list wrappers may be left out).") var columns: String?
    @Flag(help: "Print the leaf columns with their type and levels instead.") var schema = false
    @Flag(name: .customLong("no-checksums"), help: "Do not verify page CRCs.") var noChecksums = false
    @Flag(help: "Only decode the columns and print rows, values and value bytes as JSON (a benchmark).") var stats = false
    @Flag(name: .customLong("by-page"), help: "With --stats: decode each chunk one page at a time (`forEachPage`, as the document reader does) instead of into one buffer per chunk.") var byPage = false
    @Flag(help: "With --stats: report the reading time (wall and CPU, from opening the file to the last value; process start excluded) on standard error.") var timing = false
    @Option(help: "Threads (with --stats: row groups in parallel; otherwise, or with fewer row groups than threads, a chunk's pages in runs). The output is the same.") var jobs: Int = 1

    func run() throws {
        let clock = CPUClock()
        let parquet = try ParquetFile(path: file)
        parquet.verifyChecksums = !noChecksums
        if stats {
            let wanted = try columns.map { try $0.split(separator: ",").map { try parquet.leafIndex(String($0)) } } ?? Array(parquet.schema.leaves.indices)
            let groups = parquet.rowGroupCount
            // Units of work on `jobs` threads, each taking the next unit when free. Without
            // --by-page a unit is a row group (a file with fewer row groups than threads has each
            // chunk's pages decoded on all of them); with it, each chunk is cut into `jobs` runs
            // of data pages, so that the threads finish together.
            let pageJobs = groups >= jobs ? 1 : jobs
            var units: [(group: Int, chunks: [(column: Int, pages: Range<Int>?)])] = []
            for g in 0..<groups {
                guard byPage, jobs > 1 else { units.append((g, wanted.map { ($0, nil) })); continue }
                for c in wanted {
                    let n = try parquet.dataPageCount(c, rowGroup: g)
                    let runs = max(1, min(jobs, n))
                    for r in 0..<runs { units.append((g, [(c, (n * r / runs)..<(n * (r + 1) / runs))])) }
                }
            }
            let work = units
            let workers = max(1, min(jobs, work.count))
            var counts = [(values: Int, bytes: Int, error: (any Error)?)](repeating: (0, 0, nil), count: work.count)
            let next = TakeCounter()
            counts.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    var buffers = ParquetPageBuffers()
                    while case let u = next.take(), u < work.count {
                        do {
                            for (c, pages) in work[u].chunks {
                                func add(_ data: ParquetColumnData) {
                                    out[u].values += data.values.count
                                    if case .bytes(let b) = data.values { out[u].bytes += b.data.count }
                                }
                                if byPage {
                                    try parquet.forEachPage(c, rowGroup: work[u].group, pages: pages, buffers: &buffers, add)
                                } else {
                                    add(try parquet.column(c, rowGroup: work[u].group, jobs: pageJobs))
                                }
                            }
                        } catch {
                            out[u].error = error
                        }
                    }
                }
            }
            if let failure = counts.lazy.compactMap(\.error).first { throw failure }
            if timing {
                let (wall, cpu) = clock.elapsed()
                let mb = Double(counts.reduce(0) { $0 + $1.bytes }) / 1e6
                FileHandle.standardError.write(Data(String(format: "parquet: %.2f MB of values, %.3f s wall, %.3f s CPU, %.1f MB/s wall, jobs %d\n",
                                                           mb, wall, cpu, mb / wall, jobs).utf8))
            }
            print(JSONValue.object([("rows", .int(parquet.rowCount)), ("row_groups", .int(Int64(groups))),
                                    ("values", .int(Int64(counts.reduce(0) { $0 + $1.values }))),
                                    ("bytes", .int(Int64(counts.reduce(0) { $0 + $1.bytes })))]).serialized(pretty: false))
            return
        }
        if schema {
            for l in parquet.schema.leaves {
                print("\(l.dottedPath)\t\(l.type)\tmax_definition=\(l.maxDefinition)\tmax_repetition=\(l.maxRepetition)")
            }
            print("rows: \(parquet.rowCount), row groups: \(parquet.rowGroupCount)")
            return
        }
        let wanted = try columns.map { try $0.split(separator: ",").map { try parquet.leafIndex(String($0)) } } ?? Array(parquet.schema.leaves.indices)
        let names = wanted.map { parquet.schema.leaves[$0].dottedPath }
        for g in 0..<parquet.rowGroupCount {
            let cols = try wanted.map { try parquet.rows($0, rowGroup: g, jobs: jobs) }
            var text = ""
            for r in 0..<parquet.rows(inRowGroup: g) {
                text += JSONValue.object(zip(names, cols).map { ($0, $1[r]) }).serialized(pretty: false, trailingNewline: false) + "\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// Hands out 0, 1, 2… to the threads, each taking the next row group when it is free.
final class TakeCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
