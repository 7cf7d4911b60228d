import CZlib
import CZstd
import TokenMillCore

/// An atomic file written through gzip (zlib, header without a timestamp), zstd (level 3, one
/// thread) or no compression: the same input gives the same bytes, so the sha256 in a manifest
/// is reproducible. `commit()` finishes the stream and renames the file into place.
public final class CompressingWriter {
    private let file: AtomicFileWriter
    private let compression: Compression
    private var zlib = z_stream()
    private var zstd: OpaquePointer?
    private var out = [UInt8](repeating: 0, count: 1 << 17)

    public var path: String { file.path }
    public var bytesWritten: Int64 { file.bytesWritten }

    public init(path: String, compression: Compression) throws {
        file = try AtomicFileWriter(path: path, hashing: true)
        self.compression = compression
        switch compression {
        case .gzip:
            guard tm_deflateInit2(&zlib, 6, 15 + 16) == Z_OK else { throw TokenMillError(.io, "\(path): zlib deflateInit failed") }
        case .zstd:
            zstd = ZSTD_createCCtx()
            guard let zstd else { throw TokenMillError(.io, "\(path): zstd context failed") }
            ZSTD_CCtx_setParameter(zstd, ZSTD_c_compressionLevel, 3)
            ZSTD_CCtx_setParameter(zstd, ZSTD_c_checksumFlag, 1)
        case .none:
            break
        }
    }

    deinit {
        if compression == .gzip { deflateEnd(&zlib) }
        if let zstd { ZSTD_freeCCtx(zstd) }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0, finish: false) }
    }

    public func write(_ string: String) throws { try write(Array(string.utf8)) }

    private func write(_ input: UnsafeRawBufferPointer, finish: Bool) throws {
        switch compression {
        case .none:
            if input.count > 0 { try file.write(input) }
        case .gzip:
            zlib.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            zlib.avail_in = uInt(input.count)
            var rc: Int32 = Z_OK
            repeat {
                let produced: Int = out.withUnsafeMutableBytes { o in
                    zlib.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    zlib.avail_out = uInt(o.count)
                    rc = deflate(&zlib, finish ? Z_FINISH : Z_NO_FLUSH)
                    return o.count - Int(zlib.avail_out)
                }
                guard rc != Z_STREAM_ERROR else { throw TokenMillError(.io, "\(path): gzip stream error") }
                try out.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            } while zlib.avail_out == 0 || (finish && rc != Z_STREAM_END)
        case .zstd:
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                var remaining = 0
                let produced: Int = try out.withUnsafeMutableBytes { o in
                    var outBuffer = ZSTD_outBuffer(dst: o.baseAddress, size: o.count, pos: 0)
                    remaining = ZSTD_compressStream2(zstd, &outBuffer, &inBuffer, finish ? ZSTD_e_end : ZSTD_e_continue)
                    guard ZSTD_isError(remaining) == 0 else { throw TokenMillError(.io, "\(path): zstd: \(String(cString: ZSTD_getErrorName(remaining)))") }
                    return outBuffer.pos
                }
                try out.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                if finish ? remaining == 0 : inBuffer.pos == inBuffer.size { break }
            }
        }
    }

    /// Ends the stream, renames the file into place; its sha256.
    public func commit() throws -> String {
        try write(UnsafeRawBufferPointer(start: nil, count: 0), finish: true)
        return try file.commit()!
    }
}
