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
    /// Bytes `start..<filled` of `buffer` are read and not yet returned.
    private var buffer: [UInt8]
    private var start = 0
    private var filled = 0
    private var ended = false
    /// 1-based number of the last line returned.
    public private(set) var lineNumber = 0

    public init(_ stream: any ByteStream, chunkSize: Int = 1 << 18) {
        self.stream = stream
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    /// The next line, or `nil` at the end of the stream.
    public mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if start < filled {
                let (s, f) = (start, filled)
                let found: Int? = buffer.withUnsafeBytes { p in
                    guard let nl = memchr(p.baseAddress! + s, 0x0A, f - s) else { return nil }
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
                guard start < filled else { return nil }
                var end = filled
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = filled
                lineNumber += 1
                return line
            }
            // Move the unfinished line to the front (growing the buffer if it fills it), then read.
            let (s, f) = (start, filled)
            if s > 0 {
                buffer.withUnsafeMutableBytes { p in
                    if f > s { p.baseAddress!.copyMemory(from: p.baseAddress! + s, byteCount: f - s) }
                }
                filled -= s
                start = 0
            }
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            let at = filled
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[at...])) }
            filled += n
            if n == 0 { ended = true }
        }
    }
}
