import TokenMillCore
import TokenMillIO
#if canImport(Glibc)
import Glibc
#endif

/// Reads document tokens back from the work units' `.tok` spill files with `pread` (no mapping,
/// so resident memory stays bounded however large the corpus is).
final class SpillReader {
    private var fds: [Int32]
    private let paths: [String]
    let dtype: NpyFormat.DType

    init(paths: [String], dtype: NpyFormat.DType) throws {
        self.paths = paths
        self.dtype = dtype
        fds = []
        for p in paths {
            let fd = open(p, O_RDONLY)
            guard fd >= 0 else { throw TokenMillError(.io, "\(p): cannot open a work file: \(String(cString: strerror(errno))); rerun with --force") }
            fds.append(fd)
        }
    }

    deinit { for fd in fds { close(fd) } }

    /// Appends `count` tokens of `unit` starting at token `offset`, as dtype bytes.
    func append(unit: Int, offset: UInt64, count: Int, to out: inout [UInt8]) throws {
        let size = dtype.size
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count * size))
        let want = count * size
        var done = 0
        try out.withUnsafeMutableBytes { raw in
            while done < want {
                let n = pread(fds[unit], raw.baseAddress! + start + done, want - done, off_t(Int64(offset) * Int64(size) + Int64(done)))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw TokenMillError(.io, "\(paths[unit]): short read of a work file; rerun with --force") }
                done += n
            }
        }
    }
}
