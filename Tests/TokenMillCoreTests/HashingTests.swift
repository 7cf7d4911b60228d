import Testing
@testable import TokenMillCore

@Suite struct HashingTests {
    @Test func xxh64KnownVectors() {
        #expect(StableHash.xxh64([UInt8]()) == 0xEF46_DB37_51D8_E999)
        #expect(StableHash.xxh64("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(StableHash.xxh64("a") != StableHash.xxh64("a", seed: 1))
    }

    @Test func sha256KnownVector() {
        #expect(SHA256Hasher.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func splitMixReferenceSequence() {
        var r = SplitMix64(seed: 0)
        #expect(r.next() == 0xE220_A839_7B1D_CDAF)
        #expect(r.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func unitIntervalStaysInRange() {
        #expect(StableHash.unitInterval(0) == 0)
        #expect(StableHash.unitInterval(.max) < 1)
    }
}
