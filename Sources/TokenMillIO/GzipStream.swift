import CZlib
import TokenMillCore

/// A gzip decompressor over a file, following every member of a concatenated (multi-member) file.
///
/// A stream that ends before its last member's trailer throws `corruptInput` naming the file and
/// the compressed byte offset at which the data stopped; everything decompressed before that has
/// already been returned.
public struct GzipStream: ByteStream {
    private var source: FileByteStream
    private let box: ZStreamBox
    private var finished = false
    private var sourceEOF = false
    private var memberOpen = false
    /// An error met after some bytes were already produced: reported on the next read.
    private var pendingError: TokenMillError?

    public init(_ source: FileByteStream) throws {
        self.source = source
        self.box = try ZStreamBox(path: source.path, inputCapacity: 1 << 18)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let e = pendingError { throw e }
        guard !finished, buffer.count > 0 else { return 0 }
        let box = self.box
        box.stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        box.stream.avail_out = UInt32(buffer.count)
        while box.stream.avail_out > 0 {
            if box.stream.avail_in == 0 {
                if sourceEOF {
                    if memberOpen {
                        let e = TokenMillError(.corruptInput, "\(source.path): gzip data is truncated at compressed byte offset \(source.position) (the last member has no end); the documents before it were kept. Re-download or re-compress the file")
                        let produced = buffer.count - Int(box.stream.avail_out)
                        guard produced > 0 else { throw e }
                        pendingError = e
                        return produced
                    }
                    finished = true
                    break
                }
                let n = try source.read(into: UnsafeMutableRawBufferPointer(start: box.input, count: box.capacity))
                if n == 0 { sourceEOF = true; continue }
                box.stream.next_in = box.input
                box.stream.avail_in = UInt32(n)
            }
            if !memberOpen {
                // Padding zeros between members are skipped, as gzip(1) does.
                if box.stream.next_in.pointee == 0 {
                    box.stream.next_in += 1
                    box.stream.avail_in -= 1
                    continue
                }
                memberOpen = true
            }
            let rc = inflate(&box.stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                memberOpen = false
                inflateReset(&box.stream)
                continue
            }
            if rc == Z_OK || (rc == Z_BUF_ERROR && box.stream.avail_in == 0) { continue }
            let consumed = source.position - Int64(box.stream.avail_in)
            let msg = box.stream.msg.map { String(cString: $0) } ?? "zlib code \(rc)"
            let e = TokenMillError(.corruptInput, "\(source.path): gzip data is corrupt near compressed byte offset \(consumed): \(msg); the documents before it were kept")
            let produced = buffer.count - Int(box.stream.avail_out)
            guard produced > 0 else { throw e }
            pendingError = e
            return produced
        }
        return buffer.count - Int(box.stream.avail_out)
    }
}

final class ZStreamBox {
    var stream = z_stream()
    let input: UnsafeMutablePointer<UInt8>
    let capacity: Int

    init(path: String, inputCapacity: Int) throws {
        capacity = inputCapacity
        input = .allocate(capacity: inputCapacity)
        // 15 + 32: zlib or gzip headers, detected automatically.
        guard tm_inflateInit2(&stream, 15 + 32) == Z_OK else {
            input.deallocate()
            throw TokenMillError(.io, "\(path): cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }
}
