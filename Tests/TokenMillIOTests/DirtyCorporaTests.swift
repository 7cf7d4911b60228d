import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillIO

/// Every file of ../shared/corpora/dirty read against its EXPECTED.json.
@Suite struct DirtyCorporaTests {
    struct Outcome {
        var docs: [Document] = []
        var rejects: [Reject] = []
        var stats = ReadStats()
    }

    func read(_ name: String, _ spec: ReaderSpec = ReaderSpec(format: .jsonl, idField: "id")) throws -> Outcome {
        let path = sharedCorpora + "/dirty/" + name
        var o = Outcome()
        let unit = WorkUnit(path: path, displayPath: name, compression: Compression.detect(path: path))
        o.stats = try DocumentReader(spec: spec).read(unit, onDocument: { o.docs.append($0) }, onReject: { o.rejects.append($0) })
        return o
    }

    var expected: JSONValue {
        get throws { try JSONScanner.parse([UInt8](FileManager.default.contents(atPath: sharedCorpora + "/dirty/EXPECTED.json")!)) }
    }

    @Test func malformedLinesAreCountedWithTheirLineNumbers() throws {
        let o = try read("malformed.jsonl")
        let e = try expected["malformed.jsonl"]!
        #expect(o.stats.records == Int(e["lines"]!.intValue!))
        #expect(o.docs.count == Int(e["well_formed_records_with_text"]!.intValue!))
        // The BOM + CRLF first line is a good record.
        #expect(o.docs.first?.line == 1)
        #expect(o.docs.first?.id == "pydoc-distutils.builtdist-004")
        // The duplicate-key line (valid JSON) is kept with the last value.
        #expect(o.docs.first(where: { $0.id == "m11" })?.textString == "second value wins in most parsers")
        let problemLines = Set(e["problem_lines"]!.arrayValue!.map { Int($0["line"]!.intValue!) })
        let blank = Set(e["problem_lines"]!.arrayValue!.filter { $0["problem"]!.stringValue!.contains("line") && ($0["problem"]!.stringValue!.hasPrefix("blank") || $0["problem"]!.stringValue!.hasPrefix("whitespace")) }.map { Int($0["line"]!.intValue!) })
        #expect(Set(o.rejects.map(\.line)).union(blank) == problemLines.subtracting([42]))
        #expect(o.stats.drops[DropReason.blankLine.rawValue] == blank.count)
        #expect(o.stats.drops.total == problemLines.count - 1)
        let byLine = Dictionary(uniqueKeysWithValues: o.rejects.map { ($0.line, $0.reason) })
        #expect(byLine[9] == .missingTextField)
        #expect(byLine[12] == .textNotString)
        #expect(byLine[15] == .textNotString)
        #expect(byLine[18] == .notAnObject)
        #expect(byLine[21] == .notAnObject)
        for line in [3, 6, 24, 27, 30, 33, 45] { #expect(byLine[line] == .malformedJSON, "line \(line)") }
        #expect(o.rejects.allSatisfy { $0.detail.hasPrefix("malformed.jsonl:\($0.line):") })
    }

    @Test func invalidUTF8IsRepairedAndCounted() throws {
        let o = try read("invalid_utf8.jsonl")
        let e = try expected["invalid_utf8.jsonl"]!
        #expect(o.docs.count == Int(e["records"]!.intValue!))
        let invalidIDs = Set(e["invalid_byte_ids"]!.arrayValue!.map { $0.stringValue! })
        let repaired = Set(o.docs.filter { $0.text.withUnsafeBytes { raw in raw.count >= 3 && (0..<(raw.count - 2)).contains { raw[$0] == 0xEF && raw[$0 + 1] == 0xBF && raw[$0 + 2] == 0xBD } } }.map(\.id))
        #expect(repaired == invalidIDs.union(["shared-lone-surrogate"]))
        #expect(o.stats.repairs[RepairKind.invalidUTF8.rawValue] == invalidIDs.count)
        #expect(o.stats.repairs[RepairKind.loneSurrogate.rawValue] == 1)
        for d in o.docs { #expect(d.text.withUnsafeBytes { UTF8Repair.isValid($0) }) }
    }

    @Test func invalidUTF8PlainTextMatchesPythonReplace() throws {
        let o = try read("invalid_utf8.txt", ReaderSpec(format: .text, textMode: .file))
        #expect(o.docs.count == 1)
        #expect(o.stats.repairs["replacement_characters"] == 4)  // Python: .decode("utf-8", "replace").count("\ufffd") == 4
        let raw = [UInt8](FileManager.default.contents(atPath: sharedCorpora + "/dirty/invalid_utf8.txt")!)
        #expect(o.docs[0].textString == String(decoding: raw, as: UTF8.self))
    }

    @Test(arguments: ["exact_dups.jsonl", "near_dups.jsonl", "empty_and_punct.jsonl"])
    func wellFormedFilesReadEveryRecord(_ name: String) throws {
        let o = try read(name)
        #expect(o.docs.count == Int(try expected[name]!["records"]!.intValue!))
        #expect(o.stats.drops.total == 0)
        #expect(Set(o.docs.map(\.id)).count == o.docs.count)
    }

    @Test func truncatedGzipKeepsTheRecordsBeforeTheCut() throws {
        let o = try read("truncated.jsonl.gz")
        #expect(o.docs.count == Int(try expected["truncated.jsonl.gz"]!["complete_lines_recoverable"]!.intValue!))
        #expect(o.stats.errors.count == 1)
        #expect(o.stats.errors[0].contains("truncated.jsonl.gz"))
        #expect(o.stats.errors[0].contains("66097"))
        #expect(o.stats.drops[DocumentReader.truncatedRecord.rawValue] == 1)
    }
}
