import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull-based stream of bytes: file contents, or the output of a decompressor.
public protocol ByteStream {
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the stream.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a byte range of a file with `pread`, so several work units can read one file at once.
public struct FileByteStream: ByteStream {
    public let path: String
    private let fd: Int32
    private var offset: Int64
    private let end: Int64?
    private let owner: FileDescriptorOwner

    /// Opens `path` and reads `[start, end)` (`end == nil`: to the end of the file).
    public init(path: String, start: Int64 = 0, end: Int64? = nil) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TokenMillError(.io, "\(path): cannot open for reading: \(String(cString: strerror(errno))); check that the path exists and is readable")
        }
        self.path = path
        self.fd = fd
        self.owner = FileDescriptorOwner(fd)
        self.offset = start
        self.end = end
    }

    /// Bytes consumed from the file so far (its current offset).
    public var position: Int64 { offset }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var want = buffer.count
        if let end { want = Int(min(Int64(want), max(0, end - offset))) }
        guard want > 0 else { return 0 }
        while true {
            let n = pread(fd, buffer.baseAddress, want, off_t(offset))
            if n >= 0 {
                offset += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw TokenMillError(.io, "\(path): read failed at byte \(offset): \(String(cString: strerror(errno)))")
        }
    }
}

/// Closes a file descriptor when the last copy of the stream that owns it goes away.
final class FileDescriptorOwner {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// Compression of an input file, from its name or, failing that, its first bytes.
public enum Compression: String, Sendable, Codable {
    case none, gzip, zstd

    public static func detect(path: String) -> Compression {
        let lower = path.lowercased()
        if lower.hasSuffix(".gz") || lower.hasSuffix(".gzip") { return .gzip }
        if lower.hasSuffix(".zst") || lower.hasSuffix(".zstd") { return .zstd }
        // Sniff the magic number for files without a telling extension.
        guard let f = try? FileByteStream(path: path, start: 0, end: 4) else { return .none }
        var stream = f
        var magic = [UInt8](repeating: 0, count: 4)
        let n = (try? magic.withUnsafeMutableBytes { try stream.read(into: $0) }) ?? 0
        if n >= 2, magic[0] == 0x1F, magic[1] == 0x8B { return .gzip }
        if n == 4, magic == [0x28, 0xB5, 0x2F, 0xFD] { return .zstd }
        return .none
    }

    /// Opens `path` as a decompressed byte stream.
    public static func open(path: String, compression: Compression, start: Int64 = 0, end: Int64? = nil) throws -> any ByteStream {
        let file = try FileByteStream(path: path, start: start, end: end)
        switch compression {
        case .none: return file
        case .gzip: return try GzipStream(file)
        case .zstd: return try ZstdStream(file)
        }
    }
}
