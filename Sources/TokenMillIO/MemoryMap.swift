#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// Maps a whole file read-only (`mmap`, private): the reader owns the mapping and unmaps it.
enum MemoryMap {
    /// The mapping and size of `path`, or an I/O error naming the file; `minimumSize` bytes are
    /// required (`tooSmall` explains why, for the error).
    static func map(_ path: String, minimumSize: Int = 1, tooSmall: (Int) -> TokenMillError) throws -> (UnsafeMutableRawPointer, Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TokenMillError(.io, "\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TokenMillError(.io, "\(path): cannot stat") }
        let size = Int(st.st_size)
        guard size >= minimumSize else { throw tooSmall(size) }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw TokenMillError(.io, "\(path): cannot map (\(String(cString: strerror(errno))))")
        }
        return (m, size)
    }
}
