import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillTokenizers

@Suite struct TokenizerFileErrorTests {
    func write(_ text: String, _ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "tokenmill-tok-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        return dir + "/" + name
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch let e as TokenMillError { return e.message } catch { return "\(error)" }
    }

    static let base = #"{"version": "1.0", "added_tokens": [], "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "decoder": {"type": "ByteLevel"}, "model": MODEL}"#

    @Test(arguments: [
        (#"{"type": "WordPiece", "vocab": {}}"#, "model.type: unknown or unsupported model type 'WordPiece'"),
        (#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "ab"]}"#, "model.merges[1]: 'ab' is not two tokens separated by one space"),
        (#"{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}"#, "model.merges[0]: the merge result 'ab' is not in the vocabulary"),
        (#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "c"]]}"#, "model.merges[0]: 'c' is not in the vocabulary"),
        (#"{"type": "BPE", "vocab": {"a": 0}, "merges": [7]}"#, "model.merges[0]: a merge must be a string"),
        (#"{"type": "BPE", "vocab": {"a": 0}}"#, "model.merges: missing or not a list"),
    ])
    func tokenizerJSONErrorsNameThePath(_ model: String, _ expected: String) throws {
        let path = try write(Self.base.replacingOccurrences(of: "MODEL", with: model), "tokenizer.json")
        let m = message { try HFTokenizerLoader.load(path: path) }
        #expect(m.contains(path) && m.contains(expected), "got: \(m)")
    }

    @Test func anUnknownSplitPatternIsNamed() throws {
        let json = Self.base.replacingOccurrences(of: #"{"type": "ByteLevel", "add_prefix_space": false}"#,
                                                  with: #"{"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"}"#)
            .replacingOccurrences(of: "MODEL", with: #"{"type": "BPE", "vocab": {"a": 0}, "merges": []}"#)
        let m = message { try HFTokenizerLoader.load(path: try write(json, "t.json")) }
        #expect(m.contains("pre_tokenizer.pattern.Regex") && m.contains(#"\\w+"#), "got: \(m)")
    }

    @Test func invalidJSONNamesTheByte() throws {
        let m = message { try HFTokenizerLoader.load(path: try write("{\"model\": [1,}", "t.json")) }
        #expect(m.contains("not valid JSON") && m.contains("at byte"), "got: \(m)")
    }

    @Test(arguments: [
        ("IQ== 0\nIg== 1\n@@@@ 2\n", ":3: '@@@@' is not valid base64"),
        ("IQ== 0\nIg==\n", ":2: expected 'BASE64 RANK'"),
        ("IQ== 0\nIQ== x\n", ":2: expected 'BASE64 RANK'"),
        ("IQ== 0\nIg== 0\n", ":2: rank 0 appears twice"),
    ])
    func rankFileErrorsNameTheLine(_ text: String, _ expected: String) throws {
        let path = try write(text, "cl100k_base.tiktoken")
        let m = message { try TiktokenLoader.load(path: path) }
        #expect(m.contains(path + expected), "got: \(m)")
    }
}
