import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillIO

@Suite struct StreamTests {
    func lines(_ path: String) throws -> (lines: [String], end: LineReader.End) {
        var stream = try Compression.open(path: path, compression: Compression.detect(path: path))
        var out: [String] = []
        let end = try LineReader.forEachLine(in: &stream) { line, _ in out.append(String(decoding: line, as: UTF8.self)) }
        return (out, end)
    }

    @Test func gzipFollowsEveryMember() throws {
        let dir = temporaryDirectory()
        try shell("cd \(dir) && printf 'a\\nb\\n' | gzip > 1.gz && printf 'c\\r\\nd' | gzip > 2.gz && cat 1.gz 2.gz > all.gz && cp all.gz noext")
        #expect(try lines(dir + "/all.gz").lines == ["a", "b", "c", "d"])
        #expect(Compression.detect(path: dir + "/noext") == .gzip)
        #expect(try lines(dir + "/noext").lines == ["a", "b", "c", "d"])
    }

    @Test func zstdFollowsEveryFrame() throws {
        let dir = temporaryDirectory()
        try shell("cd \(dir) && printf 'x\\ny\\n' | zstd -q > 1.zst && printf 'z\\n' | zstd -q > 2.zst && cat 1.zst 2.zst > all.zst")
        #expect(try lines(dir + "/all.zst").lines == ["x", "y", "z"])
    }

    @Test func truncatedZstdNamesFileAndOffset() throws {
        let dir = temporaryDirectory()
        try shell("cd \(dir) && seq 1 1000000 | zstd -q > full.zst && head -c 200000 full.zst > cut.zst")
        let (got, end) = try lines(dir + "/cut.zst")
        guard case let .failed(error, _) = end else { Issue.record("expected a failure"); return }
        #expect(error.message.contains("cut.zst"))
        #expect(error.message.contains("offset 200000"))
        #expect(!got.isEmpty)
        #expect(got.enumerated().allSatisfy { $0.element == String($0.offset + 1) })
    }

    @Test func truncatedSharedGzipKeepsCompleteLines() throws {
        let path = sharedCorpora + "/dirty/truncated.jsonl.gz"
        let (got, end) = try lines(path)
        guard case let .failed(error, partial) = end else { Issue.record("expected a failure"); return }
        #expect(got.count == 128)
        #expect(partial > 0)
        #expect(error.message.contains("truncated.jsonl.gz"))
        #expect(error.message.contains("offset 66097"))
    }

    @Test func longLinesAndMissingFinalNewline() throws {
        let dir = temporaryDirectory()
        let long = String(repeating: "x", count: 3 << 20)
        try (long + "\nshort\r\nlast").write(toFile: dir + "/f.txt", atomically: true, encoding: .utf8)
        #expect(try lines(dir + "/f.txt").lines == [long, "short", "last"])
    }

    @Test func plannerCutsAtNewlinesAndKeepsLineNumbers() throws {
        let dir = temporaryDirectory()
        let content = (1...5000).map { "{\"text\": \"line \($0)\"}" }.joined(separator: "\n") + "\n"
        try content.write(toFile: dir + "/big.jsonl", atomically: true, encoding: .utf8)
        let units = try WorkUnitPlanner.plan(files: [(dir + "/big.jsonl", "big.jsonl")], spec: ReaderSpec(format: .jsonl), chunkBytes: 10_000)
        #expect(units.count > 5)
        var seen: [String] = []
        let reader = DocumentReader(spec: ReaderSpec(format: .jsonl))
        for u in units {
            _ = try reader.read(u, onDocument: { doc in
                #expect(doc.id == "big.jsonl:\(doc.line)")
                #expect(doc.textString == "line \(doc.line)")
                seen.append(doc.id)
            }, onReject: { _ in })
        }
        #expect(seen == (1...5000).map { "big.jsonl:\($0)" })
    }

    @Test func npyHeaderIs128BytesAndParses() throws {
        let h = NpyFormat.header(dtype: .uint16, shape: [12, 1024])
        #expect(h.count == 128)
        #expect(h.last == 0x0A)
        let parsed = try NpyFormat.parseHeader(h, path: "x")
        #expect(parsed == NpyFormat.Header(dtype: "<u2", fortranOrder: false, shape: [12, 1024], dataOffset: 128))
    }
}
