import Foundation
import TokenMillCore
import TokenMillIO

/// `tokenmill verify DIR`: re-hashes every file listed in the manifest and checks each shard's
/// `.npy` header (dtype, shape) and size against it. The first mismatch is an `integrity` error.
public enum Verifier {
    public struct Report: Sendable {
        public var files: Int
        public var bytes: Int64
    }

    public static func verify(directory: String) throws -> Report {
        let manifest = try loadManifest(directory)
        var files = 0
        var bytes: Int64 = 0
        let dtypeName = manifest["dtype"]?.stringValue ?? ""
        guard let dtype = NpyFormat.DType(name: dtypeName) else {
            throw TokenMillError(.integrity, "\(directory)/manifest.json: unknown dtype '\(dtypeName)'")
        }
        for shard in manifest["shards"]?.arrayValue ?? [] {
            guard let rel = shard["path"]?.stringValue else { throw TokenMillError(.integrity, "\(directory)/manifest.json: a shard has no path") }
            let path = directory + "/" + rel
            let shape = shard["shape"]?.arrayValue?.compactMap { $0.intValue.map(Int.init) } ?? []
            let head = try readPrefix(path, count: NpyFormat.preambleSize)
            let header = try NpyFormat.parseHeader(head, path: path)
            guard header.dtype == dtype.rawValue else {
                throw TokenMillError(.integrity, "\(path): dtype \(header.dtype), manifest says \(dtype.rawValue)")
            }
            guard header.shape == shape, !header.fortranOrder else {
                throw TokenMillError(.integrity, "\(path): shape \(header.shape), manifest says \(shape)")
            }
            let expectedSize = Int64(header.dataOffset) + Int64(shape.reduce(1, *) * dtype.size)
            let (sha, size) = try hashFile(path)
            guard size == expectedSize else {
                throw TokenMillError(.integrity, "\(path): \(size) bytes, expected \(expectedSize) for shape \(shape)")
            }
            try check(path, sha: sha, size: size, entry: shard)
            files += 1
            bytes += size
        }
        for file in manifest["files"]?.arrayValue ?? [] {
            let path = directory + "/" + (file["path"]?.stringValue ?? "")
            let (sha, size) = try hashFile(path)
            try check(path, sha: sha, size: size, entry: file)
            files += 1
            bytes += size
        }
        return Report(files: files, bytes: bytes)
    }

    static func check(_ path: String, sha: String, size: Int64, entry: JSONValue) throws {
        if let b = entry["bytes"]?.intValue, b != size {
            throw TokenMillError(.integrity, "\(path): \(size) bytes, manifest says \(b)")
        }
        guard sha == entry["sha256"]?.stringValue else {
            throw TokenMillError(.integrity, "\(path): sha256 \(sha) does not match the manifest's \(entry["sha256"]?.stringValue ?? "none"); the file changed or is corrupt — rebuild it")
        }
    }

    public static func loadManifest(_ directory: String) throws -> JSONValue {
        let path = directory + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): no manifest; is this a finished tokenmill build?")
        }
        do { return try JSONScanner.parse([UInt8](data)) } catch {
            throw TokenMillError(.integrity, "\(path): not valid JSON: \(error)")
        }
    }

    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        var s = try FileByteStream(path: path, start: 0, end: Int64(count))
        var buf = [UInt8](repeating: 0, count: count)
        let n = try buf.withUnsafeMutableBytes { try s.read(into: $0) }
        return Array(buf[0..<n])
    }

    public static func hashFile(_ path: String) throws -> (String, Int64) {
        var s = try FileByteStream(path: path)
        let h = SHA256Hasher()
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let n = try buf.withUnsafeMutableBytes { try s.read(into: $0) }
            if n == 0 { break }
            buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += Int64(n)
        }
        return (h.finalizeHex(), total)
    }
}
