import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pulls lines from a byte stream one at a time (`LineReader` pushes them through a closure):
/// for consumers that interleave several streams, such as a mixture drawing from many sources.
/// Lines come without `\n` / `\r\n`; a last line without a newline is returned too.
public struct LineCursor {
    private var stream: any ByteStream
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    private let chunk: Int
    /// 1-based number of the last line returned.
    public private(set) var lineNumber = 0

    public init(_ stream: any ByteStream, chunkSize: Int = 1 << 18) {
        self.stream = stream
        chunk = chunkSize
    }

    /// The next line, or `nil` at the end of the stream.
    public mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if start < buffer.count {
                let found: Int? = buffer.withUnsafeBytes { p in
                    guard let nl = memchr(p.baseAddress! + start, 0x0A, buffer.count - start) else { return nil }
                    return p.baseAddress!.distance(to: UnsafeRawPointer(nl))
                }
                if let nl = found {
                    var end = nl
                    if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                    let line = buffer[start..<end]
                    start = nl + 1
                    lineNumber += 1
                    return line
                }
            }
            if ended {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = buffer.count
                lineNumber += 1
                return line
            }
            // Keep the unfinished line, then read more.
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[old...])) }
            buffer.removeLast(chunk - n)
            if n == 0 { ended = true }
        }
    }
}
