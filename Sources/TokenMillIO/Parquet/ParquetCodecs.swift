import CSnappy
import CZlib
import CZstd
import TokenMillCore

/// Page decompression: SNAPPY (libsnappy), GZIP (zlib, gzip or zlib framing), ZSTD (libzstd),
/// or none. A page states its uncompressed size, and the output must have exactly that size.
enum ParquetCodecs {
    struct Failure: Error { let what: String }

    static func decompress(_ codec: ParquetCodec, _ input: UnsafeRawBufferPointer, size: Int, into out: inout [UInt8]) throws {
        out.removeAll(keepingCapacity: true)
        if codec == .uncompressed {
            guard input.count == size else { throw Failure(what: "uncompressed page of \(input.count) bytes, header says \(size)") }
            out.append(contentsOf: input)
            return
        }
        out.reserveCapacity(size)
        out.append(contentsOf: repeatElement(0, count: size))
        switch codec {
        case .snappy:
            var length = 0
            guard snappy_uncompressed_length(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK,
                  length == size else { throw Failure(what: "SNAPPY page: bad length header (expected \(size) bytes)") }
            var outLength = size
            let rc = out.withUnsafeMutableBytes { o in
                snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                  o.baseAddress?.assumingMemoryBound(to: CChar.self), &outLength)
            }
            guard rc == SNAPPY_OK, outLength == size else { throw Failure(what: "SNAPPY page does not decompress") }
        case .zstd:
            let n = out.withUnsafeMutableBytes { o in ZSTD_decompress(o.baseAddress, size, input.baseAddress, input.count) }
            guard ZSTD_isError(n) == 0 else { throw Failure(what: "ZSTD page: \(String(cString: ZSTD_getErrorName(n)))") }
            guard n == size else { throw Failure(what: "ZSTD page gave \(n) bytes, header says \(size)") }
        case .gzip:
            var stream = z_stream()
            guard tm_inflateInit2(&stream, 15 + 32) == Z_OK else { throw Failure(what: "zlib init failed") }
            defer { inflateEnd(&stream) }
            let rc: Int32 = out.withUnsafeMutableBytes { o in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = o.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(size)
                return inflate(&stream, Z_FINISH)
            }
            guard rc == Z_STREAM_END, Int(stream.total_out) == size else { throw Failure(what: "GZIP page does not decompress to \(size) bytes") }
        default:
            throw Failure(what: "compression \(codec) is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD are)")
        }
    }
}
