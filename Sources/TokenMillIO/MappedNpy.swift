#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// A `.npy` file memory-mapped read-only: its header and its elements, read in place.
/// Holds the little-endian integer types TokenMill writes: `<u2`, `<u4` (token ids) and `<i8`
/// (offsets). Nothing is copied until an element is read.
public final class MappedNpy: @unchecked Sendable {
    public let path: String
    public let header: NpyFormat.Header
    /// Bytes per element: 2, 4 or 8.
    public let elementSize: Int
    /// Number of elements (the product of the shape).
    public let count: Int
    private let base: UnsafeMutableRawPointer
    private let size: Int
    private let data: UnsafeRawPointer

    public init(path: String) throws {
        let (m, size) = try MemoryMap.map(path, minimumSize: 10) { TokenMillError(.integrity, "\(path): not a valid .npy file (\($0) bytes)") }
        base = m
        self.size = size
        do {
            header = try NpyFormat.parseHeader(Array(UnsafeRawBufferPointer(start: m, count: min(size, 4096))), path: path)
            switch header.dtype {
            case "<u2": elementSize = 2
            case "<u4": elementSize = 4
            case "<i8": elementSize = 8
            default: throw TokenMillError(.unsupported, "\(path): dtype '\(header.dtype)'; token files hold <u2 or <u4 ids and <i8 offsets")
            }
            guard !header.fortranOrder else { throw TokenMillError(.unsupported, "\(path): Fortran-ordered arrays are not read") }
            count = header.shape.reduce(1, *)
            guard header.dataOffset + count * elementSize <= size else {
                throw TokenMillError(.integrity, "\(path): the header promises \(count) elements of \(elementSize) bytes, and the file has \(size - header.dataOffset) bytes of data (truncated?)")
            }
        } catch {
            munmap(m, size)
            throw error
        }
        self.path = path
        data = UnsafeRawPointer(m) + header.dataOffset
    }

    deinit { munmap(base, size) }

    /// Element `i` as an integer (ids widen to `Int`).
    @inline(__always)
    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < count, "index \(i) out of \(count) in \(path)")
        switch elementSize {
        case 2: return Int(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case 4: return Int(UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        default: return Int(Int64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
        }
    }

    /// Elements `range` as token ids, appended to `out`.
    public func appendIDs(_ range: Range<Int>, to out: inout [UInt32]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) out of \(count) in \(path)")
        out.reserveCapacity(out.count + range.count)
        switch elementSize {
        case 2:
            for i in range { out.append(UInt32(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
        case 4:
            for i in range { out.append(UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        default:
            for i in range { out.append(UInt32(truncatingIfNeeded: Int64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))) }
        }
    }
}
