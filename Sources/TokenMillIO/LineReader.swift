import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines without copying them: `body` sees each line's bytes (without
/// `\n` or `\r\n`) in a reused buffer, with its 1-based line number.
///
/// Memory is bounded by the chunk size plus the longest line. `memchr` finds newlines (it is
/// vectorised in glibc and runs at several GB/s).
public struct LineReader {
    /// How reading ended.
    public enum End {
        case complete
        /// The stream failed (e.g. a truncated `.gz`); `partialLine` bytes after the last newline
        /// were dropped because the line is incomplete.
        case failed(TokenMillError, partialLine: Int)
    }

    public static let chunkSize = 1 << 20

    /// Calls `body(line, lineNumber)` for every line. Errors thrown by `body` propagate; errors of
    /// the stream end reading and are returned as `.failed`.
    public static func forEachLine<S: ByteStream>(
        in stream: inout S, firstLine: Int = 1,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws -> End {
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var start = 0, filled = 0
        var lineNumber = firstLine
        while true {
            // Emit every complete line in [start, filled).
            while start < filled {
                let base = buffer.baseAddress! + start
                guard let nl = memchr(base, 0x0A, filled - start) else { break }
                let len = base.distance(to: UnsafeMutableRawPointer(nl))
                var line = UnsafeRawBufferPointer(start: base, count: len)
                if len > 0, line[len - 1] == 0x0D { line = UnsafeRawBufferPointer(start: base, count: len - 1) }
                try body(line, lineNumber)
                lineNumber += 1
                start += len + 1
            }
            // Move the partial line to the front, growing the buffer for very long lines.
            if start > 0 {
                if filled > start { (buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + start, byteCount: filled - start) }
                filled -= start
                start = 0
            }
            if filled == buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
                buffer.deallocate()
                buffer = bigger
            }
            let n: Int
            do {
                n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            } catch let error as TokenMillError {
                return .failed(error, partialLine: filled)
            }
            if n == 0 {
                if filled > 0 {
                    var line = UnsafeRawBufferPointer(start: buffer.baseAddress!, count: filled)
                    if line[filled - 1] == 0x0D { line = UnsafeRawBufferPointer(start: buffer.baseAddress!, count: filled - 1) }
                    try body(line, lineNumber)
                }
                return .complete
            }
            filled += n
        }
    }

    /// Reads a whole stream into memory (plain-text documents of one file).
    public static func readAll<S: ByteStream>(_ stream: inout S) throws -> (bytes: [UInt8], error: TokenMillError?) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            do {
                let n = try chunk.withUnsafeMutableBytes { try stream.read(into: $0) }
                if n == 0 { return (out, nil) }
                out.append(contentsOf: chunk[0..<n])
            } catch let error as TokenMillError {
                return (out, error)
            }
        }
    }
}
