import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillTokenizers

/// The reference ids shipped with the shared corpora (`tokenizers/expected_ids.jsonl.gz`).
@Suite struct ReferenceIDsTests {
    static let rows: [JSONValue] = (try? readJSONLines(sharedTokenizers + "/expected_ids.jsonl.gz")) ?? []

    @Test(arguments: ["anthropic_claude_v1_tokenizer.json", "cl100k_base.tiktoken"])
    func matchesTheReferenceLibrary(_ file: String) throws {
        let tok: BPETokenizer = file.hasSuffix(".json")
            ? try HFTokenizerLoader.load(path: sharedTokenizers + "/" + file)
            : try TiktokenLoader.load(path: sharedTokenizers + "/" + file, disallowedSpecial: [])
        let enc = tok.makeEncoder()
        let rows = Self.rows.filter { $0["tokenizer"]?.stringValue == file }
        #expect(rows.count == 36)
        for r in rows {
            let text = r["text"]!.stringValue!
            let expected = r["ids"]!.arrayValue!.map { UInt32($0.intValue!) }
            let ids = enc.encode(text)
            #expect(ids == expected, "\(r["text_id"]!.stringValue!)")
            #expect(tok.decode(ids) == Array(text.utf8) || tok.normalizers.contains(.unicode(.nfkc)))
        }
    }
}
