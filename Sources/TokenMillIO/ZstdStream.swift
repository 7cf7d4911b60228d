import CZstd
import TokenMillCore

/// A zstd decompressor over a file; concatenated frames are decoded one after another.
/// A file that ends inside a frame throws `corruptInput` with the compressed byte offset.
public struct ZstdStream: ByteStream {
    private var source: FileByteStream
    private let dctx: ZstdContext
    private var input: [UInt8]
    private var inPos = 0
    private var inSize = 0
    private var sourceEOF = false
    private var frameOpen = false
    /// An error met after some bytes were already produced: reported on the next read.
    private var pendingError: TokenMillError?

    public init(_ source: FileByteStream) throws {
        self.source = source
        self.dctx = try ZstdContext(path: source.path)
        self.input = [UInt8](repeating: 0, count: ZSTD_DStreamInSize())
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let e = pendingError { throw e }
        var produced = 0
        while produced < buffer.count {
            if inPos == inSize {
                if sourceEOF { break }
                let n = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 {
                    sourceEOF = true
                    if frameOpen {
                        let e = TokenMillError(.corruptInput, "\(source.path): zstd data is truncated at compressed byte offset \(source.position) (the last frame is incomplete); the documents before it were kept. Re-download or re-compress the file")
                        guard produced > 0 else { throw e }
                        pendingError = e
                        return produced
                    }
                    break
                }
                inPos = 0
                inSize = n
            }
            let rc: Int = input.withUnsafeBytes { inRaw in
                var inb = ZSTD_inBuffer(src: inRaw.baseAddress, size: inSize, pos: inPos)
                var outb = ZSTD_outBuffer(dst: buffer.baseAddress! + produced, size: buffer.count - produced, pos: 0)
                let r = ZSTD_decompressStream(dctx.ctx, &outb, &inb)
                inPos = inb.pos
                produced += outb.pos
                return r
            }
            if ZSTD_isError(rc) != 0 {
                let name = String(cString: ZSTD_getErrorName(rc))
                let e = TokenMillError(.corruptInput, "\(source.path): zstd data is corrupt near compressed byte offset \(source.position - Int64(inSize - inPos)): \(name); the documents before it were kept")
                guard produced > 0 else { throw e }
                pendingError = e
                return produced
            }
            frameOpen = rc != 0
            if produced > 0 && inPos == inSize { break }
        }
        return produced
    }
}

final class ZstdContext {
    let ctx: OpaquePointer
    init(path: String) throws {
        guard let c = ZSTD_createDCtx() else { throw TokenMillError(.io, "\(path): cannot create a zstd context") }
        ctx = c
    }
    deinit { ZSTD_freeDCtx(ctx) }
}
