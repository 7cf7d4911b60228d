import TokenMillCore

/// Parquet's footer and page headers (parquet.thrift), the fields a reader needs.
public enum ParquetPhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

public enum ParquetRepetition: Int32, Sendable {
    case required = 0, optional = 1, repeated = 2
}

public enum ParquetCodec: Int32, Sendable, CustomStringConvertible {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
    public var description: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .lzo: "LZO"
        case .brotli: "BROTLI"
        case .lz4: "LZ4"
        case .zstd: "ZSTD"
        case .lz4Raw: "LZ4_RAW"
        }
    }
}

public enum ParquetEncoding: Int32, Sendable, CustomStringConvertible {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5, deltaLengthByteArray = 6,
         deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
    public var description: String {
        switch self {
        case .plain: "PLAIN"
        case .plainDictionary: "PLAIN_DICTIONARY"
        case .rle: "RLE"
        case .bitPacked: "BIT_PACKED"
        case .deltaBinaryPacked: "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray: "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray: "DELTA_BYTE_ARRAY"
        case .rleDictionary: "RLE_DICTIONARY"
        case .byteStreamSplit: "BYTE_STREAM_SPLIT"
        }
    }
}

public struct ParquetSchemaElement: Sendable {
    public var type: ParquetPhysicalType?
    public var typeLength: Int32?
    public var repetition: ParquetRepetition?
    public var name: String = ""
    public var numChildren: Int32?
    public var convertedType: Int32?
}

public struct ParquetColumnMetaData: Sendable {
    public var type: ParquetPhysicalType = .byteArray
    public var encodings: [Int32] = []
    public var path: [String] = []
    public var codec: ParquetCodec = .uncompressed
    public var numValues: Int64 = 0
    public var totalUncompressedSize: Int64 = 0
    public var totalCompressedSize: Int64 = 0
    public var dataPageOffset: Int64 = 0
    public var dictionaryPageOffset: Int64?
}

public struct ParquetRowGroup: Sendable {
    public var columns: [ParquetColumnMetaData] = []
    public var numRows: Int64 = 0
}

public struct ParquetFileMetaData: Sendable {
    public var version: Int32 = 0
    public var schema: [ParquetSchemaElement] = []
    public var numRows: Int64 = 0
    public var rowGroups: [ParquetRowGroup] = []
    public var keyValues: [(String, String)] = []
    public var createdBy: String?
}

enum ParquetPageType: Int32 {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

struct ParquetPageHeader {
    var type: Int32 = 0
    var uncompressedSize: Int32 = 0
    var compressedSize: Int32 = 0
    var crc: Int32?
    // DATA_PAGE / DICTIONARY_PAGE / DATA_PAGE_V2
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 3
    var repetitionLevelEncoding: Int32 = 3
    // DATA_PAGE_V2
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    var isCompressed = true
}

extension ThriftCompactReader {
    mutating func fileMetaData() throws -> ParquetFileMetaData {
        var m = ParquetFileMetaData()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): m.version = try r.i32()
            case (2, .list): m.schema = try r.list { try $0.schemaElement() }
            case (3, .i64): m.numRows = try r.i64()
            case (4, .list): m.rowGroups = try r.list { try $0.rowGroup() }
            case (5, .list): m.keyValues = try r.list { try $0.keyValue() }
            case (6, .binary): m.createdBy = try r.string()
            default: return false
            }
            return true
        }
        return m
    }

    mutating func keyValue() throws -> (String, String) {
        var k = "", v = ""
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .binary): k = try r.string()
            case (2, .binary): v = try r.string()
            default: return false
            }
            return true
        }
        return (k, v)
    }

    mutating func schemaElement() throws -> ParquetSchemaElement {
        var e = ParquetSchemaElement()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32):
                let v = try r.i32()
                guard let type = ParquetPhysicalType(rawValue: v) else { throw r.fail("unknown physical type \(v)") }
                e.type = type
            case (2, .i32): e.typeLength = try r.i32()
            case (3, .i32):
                let v = try r.i32()
                guard let rep = ParquetRepetition(rawValue: v) else { throw r.fail("unknown repetition \(v)") }
                e.repetition = rep
            case (4, .binary): e.name = try r.string()
            case (5, .i32): e.numChildren = try r.i32()
            case (6, .i32): e.convertedType = try r.i32()
            default: return false
            }
            return true
        }
        return e
    }

    mutating func rowGroup() throws -> ParquetRowGroup {
        var g = ParquetRowGroup()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .list): g.columns = try r.list { try $0.columnChunk() }
            case (3, .i64): g.numRows = try r.i64()
            default: return false
            }
            return true
        }
        return g
    }

    mutating func columnChunk() throws -> ParquetColumnMetaData {
        var c: ParquetColumnMetaData?
        var external: String?
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .binary): external = try r.string()
            case (3, .structure): c = try r.columnMetaData()
            default: return false
            }
            return true
        }
        if let external { throw fail("column chunk in another file (\(external)) is not supported") }
        guard let c else { throw fail("column chunk without metadata") }
        return c
    }

    mutating func columnMetaData() throws -> ParquetColumnMetaData {
        var c = ParquetColumnMetaData()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32):
                let v = try r.i32()
                guard let type = ParquetPhysicalType(rawValue: v) else { throw r.fail("unknown physical type \(v)") }
                c.type = type
            case (2, .list): c.encodings = try r.list { try $0.i32() }
            case (3, .list): c.path = try r.list { try $0.string() }
            case (4, .i32):
                let v = try r.i32()
                guard let codec = ParquetCodec(rawValue: v) else { throw r.fail("unknown compression codec \(v)") }
                c.codec = codec
            case (5, .i64): c.numValues = try r.i64()
            case (6, .i64): c.totalUncompressedSize = try r.i64()
            case (7, .i64): c.totalCompressedSize = try r.i64()
            case (9, .i64): c.dataPageOffset = try r.i64()
            case (11, .i64): c.dictionaryPageOffset = try r.i64()
            default: return false
            }
            return true
        }
        return c
    }

    mutating func pageHeader() throws -> ParquetPageHeader {
        var h = ParquetPageHeader()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): h.type = try r.i32()
            case (2, .i32): h.uncompressedSize = try r.i32()
            case (3, .i32): h.compressedSize = try r.i32()
            case (4, .i32): h.crc = try r.i32()
            case (5, .structure):  // DataPageHeader
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): h.numValues = try r.i32()
                    case (2, .i32): h.encoding = try r.i32()
                    case (3, .i32): h.definitionLevelEncoding = try r.i32()
                    case (4, .i32): h.repetitionLevelEncoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case (7, .structure):  // DictionaryPageHeader
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): h.numValues = try r.i32()
                    case (2, .i32): h.encoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case (8, .structure):  // DataPageHeaderV2
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): h.numValues = try r.i32()
                    case (2, .i32): h.numNulls = try r.i32()
                    case (3, .i32): h.numRows = try r.i32()
                    case (4, .i32): h.encoding = try r.i32()
                    case (5, .i32): h.definitionLevelsByteLength = try r.i32()
                    case (6, .i32): h.repetitionLevelsByteLength = try r.i32()
                    case (7, .boolTrue), (7, .boolFalse): h.isCompressed = r.bool(t)
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        return h
    }
}
