import Foundation
import TokenMillCore

/// The NumPy `.npy` format, version 1.0 (readable by NumPy 1.x and 2.x):
/// magic `\x93NUMPY`, version bytes `01 00`, a little-endian `uint16` header length, then an ASCII
/// Python dict literal `{'descr': '<u2', 'fortran_order': False, 'shape': (N, T), }` padded with
/// spaces and ended by `\n` so that the data starts at a multiple of 64. We always write a
/// 128-byte preamble, so a writer can fix the shape after streaming the rows.
public enum NpyFormat {
    public static let preambleSize = 128

    public enum DType: String, Sendable, Codable {
        case uint16 = "<u2"
        case uint32 = "<u4"
        public var size: Int { self == .uint16 ? 2 : 4 }
        public var name: String { self == .uint16 ? "uint16" : "uint32" }
        public init?(name: String) {
            switch name {
            case "uint16": self = .uint16
            case "uint32": self = .uint32
            default: return nil
            }
        }
        /// The smallest dtype holding ids below `vocabSize`.
        public static func forVocabulary(_ vocabSize: Int) -> DType { vocabSize <= 65_536 ? .uint16 : .uint32 }
    }

    /// The 128-byte preamble for `shape`.
    public static func header(dtype: DType, shape: [Int]) -> [UInt8] { header(descr: dtype.rawValue, shape: shape) }

    /// The 128-byte preamble for any NumPy type string (`<i8` for int64 offsets).
    public static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let headerLength = preambleSize - 10
        precondition(dict.utf8.count < headerLength, "npy shape too long for the fixed header")
        dict += String(repeating: " ", count: headerLength - 1 - dict.utf8.count) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out.append(UInt8(headerLength & 0xFF))
        out.append(UInt8(headerLength >> 8))
        out.append(contentsOf: dict.utf8)
        return out
    }

    public struct Header: Equatable, Sendable {
        public var dtype: String
        public var fortranOrder: Bool
        public var shape: [Int]
        public var dataOffset: Int
    }

    /// Parses the preamble of an `.npy` file (versions 1, 2 and 3).
    public static func parseHeader(_ bytes: [UInt8], path: String) throws -> Header {
        func bad(_ why: String) -> TokenMillError {
            TokenMillError(.integrity, "\(path): not a valid .npy file: \(why)")
        }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw bad("bad magic") }
        let major = bytes[6]
        let (length, start): (Int, Int)
        if major == 1 {
            length = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw bad("short header") }
            length = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            start = 12
        } else { throw bad("unknown version \(major)") }
        guard bytes.count >= start + length else { throw bad("header length \(length) past the end") }
        let dict = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        guard let descr = value(of: "descr", in: dict)?.trimmingQuotes(),
              let fortran = value(of: "fortran_order", in: dict),
              let shapeText = value(of: "shape", in: dict) else { throw bad("header dict lacks descr, fortran_order or shape") }
        let dims = shapeText.filter { "0123456789,".contains($0) }.split(separator: ",").compactMap { Int($0) }
        return Header(dtype: descr, fortranOrder: fortran == "True", shape: dims, dataOffset: start + length)
    }

    private static func value(of key: String, in dict: String) -> String? {
        guard let r = dict.range(of: "'\(key)':") else { return nil }
        var rest = dict[r.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let comma = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<comma] }
        return String(rest).trimmingCharacters()
    }
}

extension String {
    func trimmingCharacters() -> String { trimmingCharacters(in: .whitespaces) }
    func trimmingQuotes() -> String { filter { $0 != "'" && $0 != "\"" } }
}
