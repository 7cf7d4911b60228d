#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore
import TokenMillIO

/// The cleaned texts of a unit's kept documents, for the `jsonl` output: `uNNNNNN.text` holds
/// records (u32 id length, id, u32 text length, text), and `uNNNNNN.textidx` pairs (u64 token
/// offset, u64 byte offset) in document order, so a selected document (unit, token offset) finds
/// its text again at packing time.
enum TextSpill {
    static func append(id: String, text: [UInt8], to out: inout [UInt8]) {
        let idBytes = Array(id.utf8)
        withUnsafeBytes(of: UInt32(idBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += idBytes
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { out.append(contentsOf: $0) }
        out += text
    }

    static func index(tokenOffset: UInt64, byteOffset: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: tokenOffset.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: byteOffset.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    final class Reader {
        private var fds: [Int32] = []
        private var indexes: [[(token: UInt64, byte: UInt64)]] = []
        private let paths: [String]

        init(bases: [String]) throws {
            paths = bases.map { $0 + ".text" }
            for base in bases {
                let fd = open(base + ".text", O_RDONLY)
                guard fd >= 0 else { throw TokenMillError(.io, "\(base).text: cannot open a work file; rerun with --force") }
                fds.append(fd)
                let raw = [UInt8](try readAll(base + ".textidx"))
                var pairs: [(UInt64, UInt64)] = []
                pairs.reserveCapacity(raw.count / 16)
                raw.withUnsafeBytes { r in
                    for i in 0..<(r.count / 16) {
                        pairs.append((UInt64(littleEndian: r.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self)),
                                      UInt64(littleEndian: r.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self))))
                    }
                }
                indexes.append(pairs)
            }
        }

        deinit { for fd in fds { close(fd) } }

        private func readAll(_ path: String) throws -> [UInt8] {
            var s = try FileByteStream(path: path)
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buf.withUnsafeMutableBytes { try s.read(into: $0) }
                if n == 0 { return out }
                out += buf[0..<n]
            }
        }

        private func pread(_ unit: Int, _ offset: UInt64, _ count: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var done = 0
            try out.withUnsafeMutableBytes { raw in
                while done < count {
                    let n = Glibc.pread(fds[unit], raw.baseAddress! + done, count - done, off_t(Int64(offset) + Int64(done)))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw TokenMillError(.io, "\(paths[unit]): short read of a work file; rerun with --force") }
                    done += n
                }
            }
            return out
        }

        /// The id and text of the document of `unit` whose tokens start at `tokenOffset`.
        func document(unit: Int, tokenOffset: UInt64) throws -> (id: String, text: [UInt8]) {
            let index = indexes[unit]
            var lo = 0, hi = index.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if index[mid].token < tokenOffset { lo = mid + 1 } else { hi = mid }
            }
            guard lo < index.count, index[lo].token == tokenOffset else {
                throw TokenMillError(.io, "\(paths[unit]): no text for the document at token \(tokenOffset); rerun with --force")
            }
            var at = index[lo].byte
            func u32() throws -> Int {
                let b = try pread(unit, at, 4)
                at += 4
                return Int(UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
            }
            let idLength = try u32()
            let id = try pread(unit, at, idLength)
            at += UInt64(idLength)
            let textLength = try u32()
            let text = try pread(unit, at, textLength)
            return (String(decoding: id, as: UTF8.self), text)
        }
    }
}
