import CBrotli
import CLZ4
import CSnappy
import CZlib
import CZstd
import TokenMillCore

/// Page decompression: SNAPPY (libsnappy), GZIP (zlib, gzip or zlib framing), ZSTD (libzstd),
/// BROTLI (libbrotlidec), LZ4_RAW and the deprecated LZ4 (liblz4; Hadoop framing, or a raw
/// block as older Arrow wrote it), or none. LZO is refused. A page states its uncompressed size, and the output must have exactly that size.
enum ParquetCodecs {
    struct Failure: Error { let what: String }

    static func decompress(_ codec: ParquetCodec, _ input: UnsafeRawBufferPointer, size: Int, into out: inout [UInt8]) throws {
        if codec == .uncompressed {
            guard input.count == size else { throw Failure(what: "uncompressed page of \(input.count) bytes, header says \(size)") }
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: input)
            return
        }
        if size == 0 { out.removeAll(keepingCapacity: true); return }  // nothing to decode (and no buffer to decode into)
        // Exactly `size` bytes, all of which the codec overwrites (each checks that it produced
        // `size` bytes): only bytes beyond what the reused buffer already holds are zeroed.
        if out.count > size { out.removeLast(out.count - size) } else if out.count < size {
            out.reserveDiscarding(size)
            appendZeros(size - out.count, to: &out)
        }
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
        case .brotli:
            var produced = size
            let rc = out.withUnsafeMutableBytes { o in
                BrotliDecoderDecompress(input.count, input.baseAddress?.assumingMemoryBound(to: UInt8.self), &produced,
                                        o.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
            guard rc == BROTLI_DECODER_RESULT_SUCCESS, produced == size else { throw Failure(what: "BROTLI page does not decompress to \(size) bytes") }
        case .lz4Raw:
            try lz4Block(input, size: size, into: &out, at: 0)
        case .lz4:
            // Hadoop framing: blocks of (u32 BE uncompressed size, u32 BE compressed size, data).
            var pos = 0, produced = 0
            var framed = true
            while pos < input.count {
                guard pos + 8 <= input.count else { framed = false; break }
                let raw = Int(UInt32(bigEndian: input.loadUnaligned(fromByteOffset: pos, as: UInt32.self)))
                let packed = Int(UInt32(bigEndian: input.loadUnaligned(fromByteOffset: pos + 4, as: UInt32.self)))
                guard raw <= size - produced, packed <= input.count - pos - 8,
                      (try? lz4Block(UnsafeRawBufferPointer(rebasing: input[(pos + 8)..<(pos + 8 + packed)]), size: raw, into: &out, at: produced)) != nil
                else { framed = false; break }
                produced += raw
                pos += 8 + packed
            }
            if !framed || produced != size { try lz4Block(input, size: size, into: &out, at: 0) }
        default:
            throw Failure(what: "compression \(codec) is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4, LZ4_RAW are)")
        }
    }

    /// 64 KiB of zeros, appended block by block (a `memcpy`), which is many times faster than
    /// `repeatElement(0, count:)`, appended element by element.
    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    static func appendZeros(_ count: Int, to out: inout [UInt8]) {
        var left = count
        while left > 0 {
            let n = min(left, zeros.count)
            out.append(contentsOf: zeros[..<n])
            left -= n
        }
    }

    /// One raw LZ4 block of exactly `size` bytes, written at `out[at...]`.
    static func lz4Block(_ input: UnsafeRawBufferPointer, size: Int, into out: inout [UInt8], at: Int) throws {
        guard input.count <= Int(Int32.max), size <= Int(Int32.max), at + size <= out.count else { throw Failure(what: "LZ4 block too large") }
        let n = out.withUnsafeMutableBytes { o in
            LZ4_decompress_safe(input.baseAddress?.assumingMemoryBound(to: CChar.self), (o.baseAddress! + at).assumingMemoryBound(to: CChar.self),
                                Int32(input.count), Int32(size))
        }
        guard n == Int32(size) else { throw Failure(what: "LZ4 block does not decompress to \(size) bytes") }
    }
}
