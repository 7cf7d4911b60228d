import Foundation
import TokenMillCore

/// A SentencePiece `ModelProto`, read with a hand-written wire codec: the pieces and the trainer
/// and normalizer settings that change how text is encoded. Unknown fields are skipped.
public struct SentencePieceModel: Sendable {
    public enum PieceType: Int, Sendable { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }
    public enum ModelType: Int, Sendable { case unigram = 1, bpe = 2, word = 3, char = 4 }

    public struct Piece: Sendable, Equatable {
        public var piece: String
        public var score: Float
        public var type: PieceType
    }

    public struct Normalizer: Sendable, Equatable {
        public var name = ""
        public var precompiledCharsmap: [UInt8] = []
        public var addDummyPrefix = true
        public var removeExtraWhitespaces = true
        public var escapeWhitespaces = true
    }

    public var pieces: [Piece] = []
    public var modelType: ModelType = .unigram
    public var vocabSize = 8000
    public var byteFallback = false
    public var treatWhitespaceAsSuffix = false
    public var unkID = 0
    public var bosID = 1
    public var eosID = 2
    public var padID = -1
    public var unkSurface = " \u{2047} "
    public var normalizer = Normalizer()
    public var denormalizer: Normalizer?
    /// The training options to record in `trainer_spec` when writing a model we trained.
    public var trainer: TrainerRecord?

    /// Training options kept in `trainer_spec` (besides the fields above). Not the thread count:
    /// it does not change the model, and the file must not depend on it.
    public struct TrainerRecord: Sendable, Equatable {
        public var characterCoverage: Float = 0.9995
        public var inputSentenceSize = 0
        public var seedSentencePieceSize = 1_000_000
        public var shrinkingFactor: Float = 0.75
        public var maxSentenceLength = 4192
        public var numSubIterations = 2
        public var maxSentencePieceLength = 16
        public var splitByUnicodeScript = true
        public var splitByNumber = true
        public var splitByWhitespace = true
        public var splitDigits = false
        public var controlSymbols: [String] = []
        public var userDefinedSymbols: [String] = []
        public init() {}
    }

    public static func load(path: String) throws -> SentencePieceModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): cannot read the SentencePiece model")
        }
        return try parse([UInt8](data), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> SentencePieceModel {
        var m = SentencePieceModel()
        var r = ProtobufReader(bytes, path: path, context: "ModelProto")
        var sawTrainerSpec = false
        while let f = try r.nextField() {
            switch (f.number, f.wireType) {
            case (1, 2):
                let range = try r.lengthDelimited(field: 1)
                m.pieces.append(try parsePiece(bytes, range, path: path, index: m.pieces.count))
            case (2, 2):
                sawTrainerSpec = true
                try parseTrainerSpec(bytes, try r.lengthDelimited(field: 2), path: path, into: &m)
            case (3, 2):
                m.normalizer = try parseNormalizer(bytes, try r.lengthDelimited(field: 3), path: path, context: "normalizer_spec")
            case (5, 2):
                m.denormalizer = try parseNormalizer(bytes, try r.lengthDelimited(field: 5), path: path, context: "denormalizer_spec")
            default:
                try r.skip(wireType: f.wireType, field: f.number, offset: f.offset)
            }
        }
        guard !m.pieces.isEmpty else { throw r.fail("no pieces (field 1)") }
        guard sawTrainerSpec else { throw r.fail("no trainer_spec (field 2)") }
        return m
    }

    static func parsePiece(_ bytes: [UInt8], _ range: Range<Int>, path: String, index: Int) throws -> Piece {
        var r = ProtobufReader(bytes, range: range, path: path, context: "pieces[\(index)]")
        var p = Piece(piece: "", score: 0, type: .normal)
        while let f = try r.nextField() {
            switch (f.number, f.wireType) {
            case (1, 2): p.piece = String(decoding: bytes[try r.lengthDelimited(field: 1)], as: UTF8.self)
            case (2, 5): p.score = Float(bitPattern: try r.fixed32(field: 2))
            case (3, 0):
                let t = Int(try r.varint())
                guard let type = PieceType(rawValue: t) else { throw r.fail("unknown piece type \(t)", at: f.offset) }
                p.type = type
            default: try r.skip(wireType: f.wireType, field: f.number, offset: f.offset)
            }
        }
        return p
    }

    static func parseTrainerSpec(_ bytes: [UInt8], _ range: Range<Int>, path: String, into m: inout SentencePieceModel) throws {
        var r = ProtobufReader(bytes, range: range, path: path, context: "trainer_spec")
        func int32(_ v: UInt64) -> Int { Int(Int32(truncatingIfNeeded: v)) }
        while let f = try r.nextField() {
            switch (f.number, f.wireType) {
            case (3, 0):
                let t = Int(try r.varint())
                guard let type = ModelType(rawValue: t) else { throw r.fail("unknown model_type \(t)", at: f.offset) }
                m.modelType = type
            case (4, 0): m.vocabSize = int32(try r.varint())
            case (24, 0): m.treatWhitespaceAsSuffix = try r.varint() != 0
            case (35, 0): m.byteFallback = try r.varint() != 0
            case (40, 0): m.unkID = int32(try r.varint())
            case (41, 0): m.bosID = int32(try r.varint())
            case (42, 0): m.eosID = int32(try r.varint())
            case (43, 0): m.padID = int32(try r.varint())
            case (44, 2): m.unkSurface = String(decoding: bytes[try r.lengthDelimited(field: 44)], as: UTF8.self)
            default: try r.skip(wireType: f.wireType, field: f.number, offset: f.offset)
            }
        }
    }

    static func parseNormalizer(_ bytes: [UInt8], _ range: Range<Int>, path: String, context: String) throws -> Normalizer {
        var r = ProtobufReader(bytes, range: range, path: path, context: context)
        var n = Normalizer()
        while let f = try r.nextField() {
            switch (f.number, f.wireType) {
            case (1, 2): n.name = String(decoding: bytes[try r.lengthDelimited(field: 1)], as: UTF8.self)
            case (2, 2): n.precompiledCharsmap = Array(bytes[try r.lengthDelimited(field: 2)])
            case (3, 0): n.addDummyPrefix = try r.varint() != 0
            case (4, 0): n.removeExtraWhitespaces = try r.varint() != 0
            case (5, 0): n.escapeWhitespaces = try r.varint() != 0
            default: try r.skip(wireType: f.wireType, field: f.number, offset: f.offset)
            }
        }
        return n
    }
}
