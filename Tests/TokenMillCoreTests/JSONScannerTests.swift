import Testing
@testable import TokenMillCore

@Suite struct JSONScannerTests {
    func extract(_ line: String, _ paths: [String] = ["text"]) throws -> (Bool, [JSONScanner.Field]) {
        let bytes = Array(line.utf8)
        return try bytes.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            let r = try s.extract(paths.map { $0.split(separator: ".").map { Array($0.utf8) } })
            return (r.isObject, r.fields)
        }
    }

    @Test(arguments: [
        #"{"text": "unterminated}"#, #"{"text": "a",}"#, #"{'text': 'single'}"#, #"{"text": NaN}"#,
        #"{"a": 1} {"b": 2}"#, #"{"text": "a" "b"}"#, #"{"text": tru}"#, #"{"text": 01}"#,
        #"{"text": "bad \q escape"}"#, #"{"text": "ctl "# + "\u{01}" + #""}"#, #"{"text": 1.}"#, "{",
    ])
    func rejectsMalformed(_ line: String) {
        #expect(throws: JSONScanner.Failure.self) { try extract(line) }
    }

    @Test func extractsNestedFieldsAndNumbers() throws {
        let (isObject, fields) = try extract(#"{"id": 17, "translation": {"en": "hi", "fr": "salut"}, "x": [1, {"y": null}]}"#,
                                             ["translation.fr", "id", "x", "missing"])
        #expect(isObject)
        #expect(fields == [.string(Array("salut".utf8)), .number(Array("17".utf8)), .other("array"), .missing])
    }

    @Test func duplicateKeyLastWins() throws {
        let (_, fields) = try extract(#"{"text": "first", "text": "second"}"#)
        #expect(fields == [.string(Array("second".utf8))])
    }

    @Test func nonObjectsAreValidButFlagged() throws {
        #expect(try extract(#"["text"]"#).0 == false)
        #expect(try extract(#""just a string""#).0 == false)
    }

    @Test func unescapesAndRepairsSurrogates() throws {
        let bytes = Array(#"{"text": "a\n\u00e9\ud83d\ude00\ud800z\/"}"#.utf8)
        try bytes.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            let r = try s.extract([[Array("text".utf8)]])
            #expect(r.fields[0] == .string(Array("a\né😀\u{FFFD}z/".utf8)))
            #expect(s.repairs.loneSurrogates == 1)
            #expect(s.repairs.invalidUTF8 == 0)
        }
    }

    @Test func parsesDocumentsKeepingKeyOrder() throws {
        let v = try JSONScanner.parse(#"{"b": 1, "a": [true, null, -2.5e3, "x"]}"#)
        #expect(v == .object([("b", .int(1)), ("a", .array([.bool(true), .null, .double(-2500), .string("x")]))]))
        #expect(v.serialized(pretty: false) == #"{"b":1,"a":[true,null,-2500.0,"x"]}"#)
    }

    @Test func stringsAreEscapedAndReadBack() throws {
        var all = (0..<0x80).map { Character(Unicode.Scalar($0)!) }.map(String.init).joined()
        all += "é▁😀\u{2028}\"\\end"
        for s in [all, "", "plain", "\u{01}", "a\"b", "\\", "▁the\ttab\nline", String(repeating: "x\u{1F}", count: 100)] {
            let json = JSONValue.object([("s", .string(s))]).serialized(pretty: false)
            #expect(try JSONScanner.parse(json) == .object([("s", .string(s))]), "\(json)")
        }
        #expect(JSONValue.string("q\"\\\u{08}\u{0C}\n\r\t\u{01}\u{1F}é").serialized(pretty: false) == #""q\"\\\b\f\n\r\t\u0001\u001fé""#)
    }
}
