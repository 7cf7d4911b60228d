import Testing
@testable import TokenMillIO

/// The Thrift compact reader skipping fields it does not know, as it does in page headers and
/// footers from newer writers.
@Suite struct ThriftCompactTests {
    /// Skips field 1 of a structure and returns field 2, an i32.
    static func fieldTwoAfterSkipping(_ bytes: [UInt8]) throws -> Int32? {
        try bytes.withUnsafeBytes { p in
            var r = ThriftCompactReader(p)
            var two: Int32?
            try r.readStruct { r, id, type in
                guard id == 2, type == .i32 else { return false }
                two = try r.i32()
                return true
            }
            return two
        }
    }

    @Test func booleansInMapsAndListsAreBytesOfTheirOwn() throws {
        // {1: map<bool, bool> {true: false, false: true}, 2: i32 7}
        let map: [UInt8] = [0x1B, 0x02, 0x11, 0x01, 0x02, 0x02, 0x01, 0x15, 0x0E, 0x00]
        #expect(try Self.fieldTwoAfterSkipping(map) == 7)
        // {1: list<bool> [true, false, true], 2: i32 7}
        let list: [UInt8] = [0x19, 0x31, 0x01, 0x02, 0x01, 0x15, 0x0E, 0x00]
        #expect(try Self.fieldTwoAfterSkipping(list) == 7)
    }

    @Test func countsLargerThanTheBytesLeftFailAtOnce() throws {
        // A map and a list of booleans claiming 2^31 - 1 entries in a few bytes (a fuzzed page
        // header once spent seconds skipping such a map, reading nothing).
        let map: [UInt8] = [0x1B, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x11, 0x01, 0x02, 0x00]
        let list: [UInt8] = [0x19, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01, 0x02, 0x00]
        for bytes in [map, list] {
            let error = #expect(throws: ThriftCompactReader.Failure.self) { try Self.fieldTwoAfterSkipping(bytes) }
            #expect(error.map { "\($0)".contains("past the end") } == true)
        }
    }
}
