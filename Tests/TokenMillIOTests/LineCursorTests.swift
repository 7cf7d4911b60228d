import Foundation
import Testing
@testable import TokenMillIO

@Suite struct LineCursorTests {
    /// Lines across chunk boundaries, longer than a chunk, CRLF, blank lines and a last line
    /// without a newline come out exactly as `split` gives them, whatever the chunk size.
    @Test(arguments: [1, 3, 7, 64, 1 << 18])
    func linesEqualASplitForEveryChunkSize(_ chunk: Int) throws {
        let text = "first\r\nsecond line\n\n" + String(repeating: "long", count: 50) + "\nlast without newline"
        let path = NSTemporaryDirectory() + "linecursor-\(UUID().uuidString).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var cursor = LineCursor(try FileByteStream(path: path), chunkSize: chunk)
        var lines: [String] = []
        while let line = try cursor.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["first", "second line", "", String(repeating: "long", count: 50), "last without newline"])
        #expect(cursor.lineNumber == 5)
    }
}
