import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file under a temporary name (`.NAME.partial` beside it) and renames it into place
/// only in `commit()`, so a reader — or a resumed run — never sees a half-written file.
/// Writes are buffered; `sha256` is computed over the bytes as they are written.
public final class AtomicFileWriter {
    public let path: String
    public let temporaryPath: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    public private(set) var bytesWritten: Int64 = 0
    private let hasher: SHA256Hasher?
    private var committed = false

    public init(path: String, hashing: Bool = false, bufferSize: Int = 1 << 20) throws {
        self.path = path
        let dir = AtomicFileWriter.directory(of: path)
        let name = String(path.split(separator: "/").last ?? Substring(path))
        temporaryPath = (dir.isEmpty ? "" : dir + "/") + "." + name + ".partial"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TokenMillError(.io, "\(temporaryPath): cannot create: \(String(cString: strerror(errno))); check that the folder exists and is writable")
        }
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
        hasher = hashing ? SHA256Hasher() : nil
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher?.update(bytes)
        bytesWritten += Int64(bytes.count)
        if used + bytes.count > buffer.count {
            try flush()
            if bytes.count > buffer.count { try writeFully(bytes); return }
        }
        (buffer.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ string: String) throws { try write(Array(string.utf8)) }

    /// Overwrites bytes already written at `offset` (e.g. a header whose counts are known only at
    /// the end). The hash covers the bytes as first written, so hashing writers must not use it.
    public func overwrite(_ bytes: [UInt8], at offset: Int64) throws {
        precondition(hasher == nil, "overwrite on a hashing writer would make the hash wrong")
        try flush()
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw ioError("write") }
    }

    public func flush() throws {
        guard used > 0 else { return }
        try writeFully(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used))
        used = 0
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write")
            }
            done += n
        }
    }

    /// Flushes, syncs and renames the file into place. Returns the SHA-256 when hashing.
    @discardableResult
    public func commit() throws -> String? {
        try flush()
        guard fsync(fd) == 0 else { throw ioError("fsync") }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else { throw ioError("rename to \(path)") }
        committed = true
        return hasher?.finalizeHex()
    }

    private func ioError(_ what: String) -> TokenMillError {
        TokenMillError(.io, "\(temporaryPath): \(what) failed: \(String(cString: strerror(errno))); check free disk space and permissions")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// Writes `contents` to `path` atomically.
    public static func write(_ contents: [UInt8], to path: String) throws {
        let w = try AtomicFileWriter(path: path)
        try w.write(contents)
        try w.commit()
    }

    public static func write(_ string: String, to path: String) throws { try write(Array(string.utf8), to: path) }
}
