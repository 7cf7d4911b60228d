import Testing
@testable import TokenMillCore

@Suite struct UTF8RepairTests {
    /// Expected outputs are Python's `bytes.decode("utf-8", "replace")` for the same inputs.
    @Test(arguments: [
        ([0xFF], [0xEF, 0xBF, 0xBD]),
        ([0xC3, 0x28], [0xEF, 0xBF, 0xBD, 0x28]),
        ([0xC0, 0xAF], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xF0, 0x9F, 0x98], [0xEF, 0xBF, 0xBD]),
        ([0xE2, 0x82], [0xEF, 0xBF, 0xBD]),
        ([0x61, 0xE2, 0x82, 0xAC], [0x61, 0xE2, 0x82, 0xAC]),
    ] as [([UInt8], [UInt8])])
    func repairsLikePython(_ input: [UInt8], _ expected: [UInt8]) {
        var out: [UInt8] = []
        input.withUnsafeBytes { _ = UTF8Repair.append($0, to: &out) }
        #expect(out == expected)
    }

    /// Property: our repair equals the standard library's (which also replaces maximal subparts)
    /// on 20,000 seeded random byte strings biased towards multi-byte lead and continuation bytes.
    @Test func agreesWithStandardLibraryOnRandomBytes() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 12)
            let bytes = (0..<n).map { _ in rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            var out: [UInt8] = []
            let replaced = bytes.withUnsafeBytes { UTF8Repair.append($0, to: &out) }
            let reference = Array(String(decoding: bytes, as: UTF8.self).utf8)
            #expect(out == reference, "input \(bytes)")
            #expect((replaced == 0) == bytes.withUnsafeBytes { UTF8Repair.isValid($0) })
        }
    }
}
