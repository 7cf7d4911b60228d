import Foundation
import TokenMillCore
import TokenMillIO

/// `tokenmill sample`: one streaming pass over JSONL inputs → pre-filters → exact dedup →
/// reservoir (Algorithm R or A-ES) → one seeded shuffle → splits → a frozen `manifest.jsonl` and
/// `MANIFEST.meta.json` (docs/formats/sample-manifest.md).
///
/// The manifest is the experiment's data: once it exists nothing re-samples it (`sample`
/// refuses to overwrite it without `force`), and the token cache and `Dataset` read only it.
public struct ManifestSampler {
    public let options: SampleOptions

    public init(options: SampleOptions) { self.options = options }

    /// Counts of one run, also written to `MANIFEST.meta.json`.
    public struct Summary: Sendable {
        public var records = 0
        public var eligible = 0
        public var dropped: [String: Int] = [:]
        public var splits: [(name: String, rows: Int)] = []
        public var manifestSHA256 = ""
    }

    /// One row kept in the reservoir: its uid and original (not normalized) texts.
    struct Row {
        var uid: String
        var id: String?
        var texts: [String]
        var file: Int
        var line: Int
    }

    /// Seeds of the two random streams, derived from the user's seed.
    static func reservoirSeed(_ seed: UInt64) -> UInt64 { SplitMix64.mix(seed ^ 0x5245_5345_5256_4F49) }  // "RESERVOI"
    static func shuffleSeed(_ seed: UInt64) -> UInt64 { SplitMix64.mix(seed ^ 0x5348_5546_464C_4521) }    // "SHUFFLE!"

    /// Samples and writes `manifestPath` and `MANIFEST.meta.json` beside it.
    @discardableResult
    public func run(manifestPath: String, force: Bool = false) throws -> Summary {
        let fm = FileManager.default
        let directory = (manifestPath as NSString).deletingLastPathComponent
        let metaPath = (directory.isEmpty ? "." : directory) + "/MANIFEST.meta.json"
        if fm.fileExists(atPath: manifestPath) && !force {
            throw TokenMillError(.outputExists, "\(manifestPath) exists: a manifest is frozen once written, and datasets read it as it is; pass --force to sample again, or choose another path")
        }
        guard options.k > 0 else { throw TokenMillError(.invalidConfiguration, "-k must be positive") }
        if !directory.isEmpty { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }

        var summary = Summary()
        let rows = try sample(&summary)
        let counts = try options.splitCounts(sampled: rows.count)
        guard counts.count <= options.splitNames.count else {
            throw TokenMillError(.invalidConfiguration, "splits: \(counts.count) sizes and \(options.splitNames.count) split names; give a name to each")
        }
        var shuffled = rows
        var rng = SplitMix64(seed: Self.shuffleSeed(options.seed))
        rng.shuffle(&shuffled)

        let writer = try AtomicFileWriter(path: manifestPath, hashing: true)
        var start = 0
        for (s, count) in counts.enumerated() {
            let name = options.splitNames[s]
            for row in shuffled[start..<(start + count)] {
                var fields: [(String, JSONValue)] = [("uid", .string(row.uid)), ("split", .string(name)), ("source", .string(options.sourceName))]
                if let id = row.id { fields.append(("id", .string(id))) }
                if case .pair(let src, let tgt) = options.fields {
                    fields.append(("src_lang", .string(src)))
                    fields.append(("tgt_lang", .string(tgt)))
                }
                for (side, text) in zip(options.fields.sides, row.texts) { fields.append((side, .string(text))) }
                try writer.write(JSONValue.object(fields).serialized(pretty: false, trailingNewline: false) + "\n")
            }
            summary.splits.append((name, count))
            start += count
        }
        summary.manifestSHA256 = try writer.commit() ?? ""
        try AtomicFileWriter.write(try metadata(summary).serialized(), to: metaPath)
        return summary
    }

    /// The filtered, deduplicated stream through the reservoir; rows in input order.
    func sample(_ summary: inout Summary) throws -> [Row] {
        let o = options
        var uniform = UniformReservoir<Row>(capacity: o.weighting == .uniform ? o.k : 0, seed: Self.reservoirSeed(o.seed))
        var weighted = WeightedReservoir<Row>(capacity: o.weighting == .uniform ? 0 : o.k, seed: Self.reservoirSeed(o.seed))
        var seen = Set<UID>()
        let normalizer = UnicodeNormalizer(.nfkc)
        let workspace = UnicodeNormalizer.Workspace()
        var normalized: [[UInt8]] = [[], []]

        // Field paths: each side (for pairs `translation.<lang>` then `<lang>`), then id, weight.
        var paths: [[[UInt8]]] = []
        func path(_ dotted: String) -> [[UInt8]] { dotted.split(separator: ".").map { Array($0.utf8) } }
        switch o.fields {
        case .text(let field): paths.append(path(field))
        case .pair(let src, let tgt):
            for lang in [src, tgt] {
                paths.append([Array("translation".utf8), Array(lang.utf8)])
                paths.append([Array(lang.utf8)])
            }
        }
        let idSlot = o.idField.map { _ in paths.count }
        if let id = o.idField { paths.append(path(id)) }
        let weightSlot: Int?
        if case .field(let f) = o.weighting { weightSlot = paths.count; paths.append(path(f)) } else { weightSlot = nil }

        func drop(_ reason: String) { summary.dropped[reason, default: 0] += 1 }

        /// One record, as its fields in `paths` order.
        func process(_ extracted: (isObject: Bool, fields: [JSONScanner.Field]), fileIndex: Int, lineNumber: Int) {
                // The sides' raw texts.
                var texts: [[UInt8]] = []
                switch o.fields {
                case .text:
                    guard case .string(let t) = extracted.fields[0] else { drop("missing_field"); return }
                    texts.append(t)
                case .pair:
                    for side in 0..<2 {
                        var found: [UInt8]?
                        for slot in [2 * side, 2 * side + 1] { if found == nil, case .string(let t) = extracted.fields[slot] { found = t } }
                        guard let t = found else { drop("missing_field"); return }
                        texts.append(t)
                    }
                }
                // Filters on the NFKC form of every side.
                var lengths: [Int] = []
                for (i, t) in texts.enumerated() {
                    normalized[i].removeAll(keepingCapacity: true)
                    t.withUnsafeBytes { normalizer.normalize($0, into: &normalized[i], workspace: workspace) }
                    let n = normalized[i]
                    if n.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { drop("empty"); return }
                    let scalars = n.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
                    if scalars < o.minChars { drop("too_short"); return }
                    if let cap = o.maxChars, scalars > cap { drop("too_long"); return }
                    if o.dropPunctuationOnly && !Self.hasLetterOrDigit(n) { drop("punctuation_only"); return }
                    lengths.append(scalars)
                }
                if texts.count == 2 && o.dropIdenticalPairs && normalized[0] == normalized[1] { drop("identical_pair"); return }
                let uid = Self.uid(normalized[0..<texts.count])
                if o.dropDuplicates && !seen.insert(UID(hex: uid)).inserted { drop("duplicate"); return }
                var weight = 1.0
                switch o.weighting {
                case .uniform: break
                case .length: weight = Double(lengths[0])
                case .field:
                    guard case .number(let digits) = extracted.fields[weightSlot!], let w = Double(String(decoding: digits, as: UTF8.self)), w > 0, w.isFinite else {
                        drop("bad_weight"); return
                    }
                    weight = w
                }
                summary.eligible += 1
                var id: String?
                if let slot = idSlot {
                    switch extracted.fields[slot] {
                    case .string(let s): id = String(decoding: s, as: UTF8.self)
                    case .number(let d): id = String(decoding: d, as: UTF8.self)
                    default: id = nil
                    }
                }
                let row = Row(uid: uid, id: id, texts: texts.map { String(decoding: $0, as: UTF8.self) }, file: fileIndex, line: lineNumber)
                if o.weighting == .uniform { uniform.offer(row) } else { weighted.offer(row, weight: weight) }
        }

        for (fileIndex, file) in o.inputs.enumerated() {
            if file.lowercased().hasSuffix(".parquet") {
                try Self.readParquet(file, paths: paths) { fields, row in
                    summary.records += 1
                    process((true, fields), fileIndex: fileIndex, lineNumber: row)
                }
                continue
            }
            var stream = try Compression.open(path: file, compression: Compression.detect(path: file))
            let end = try LineReader.forEachLine(in: &stream) { line, lineNumber in
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
                summary.records += 1
                var scanner = JSONScanner(line)
                let extracted: (isObject: Bool, fields: [JSONScanner.Field])
                do { extracted = try scanner.extract(paths) } catch let failure as JSONScanner.Failure {
                    if o.strict { throw TokenMillError(.strict, "\(file):\(lineNumber): malformed JSON: \(failure.description)") }
                    drop(DropReason.malformedJSON.rawValue)
                    return
                }
                guard extracted.isObject else {
                    if o.strict { throw TokenMillError(.strict, "\(file):\(lineNumber): the record is not a JSON object") }
                    drop(DropReason.notAnObject.rawValue)
                    return
                }
                process(extracted, fileIndex: fileIndex, lineNumber: lineNumber)
            }
            if case .failed(let error, _) = end { throw error }
        }
        return o.weighting == .uniform ? uniform.sortedByIndex().map(\.element) : weighted.sortedByIndex().map(\.element)
    }

    /// The rows of a Parquet file (row group by row group, only the columns in `paths`), as the
    /// fields a JSONL record would give: a column absent from the file is `missing` for every row.
    static func readParquet(_ file: String, paths: [[[UInt8]]], _ body: ([JSONScanner.Field], Int) throws -> Void) throws {
        let parquet = try ParquetFile(path: file)
        let leaves = paths.map { path in try? parquet.leafIndex(path.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")) }
        var row = 0
        for g in 0..<parquet.rowGroupCount {
            let columns = try leaves.map { leaf in try leaf.map { try parquet.rows($0, rowGroup: g, bytesAsText: true) } }
            for k in 0..<parquet.rows(inRowGroup: g) {
                row += 1
                let fields: [JSONScanner.Field] = columns.map { column in
                    switch column?[k] {
                    case .string(let s)?: return .string(Array(s.utf8))
                    case .int(let i)?: return .number(Array(String(i).utf8))
                    case .double(let d)?: return .number(Array(String(d).utf8))
                    case nil, .null?: return .missing
                    case let other?: return .other(other.serialized(pretty: false, trailingNewline: false))
                    }
                }
                try body(fields, row)
            }
        }
    }

    /// `uid`: lowercase hex SHA-256 of the NFKC texts in the manifest's side order (text; or
    /// source then target), joined by one 0x00 byte.
    static func uid(_ sides: ArraySlice<[UInt8]>) -> String {
        let h = SHA256Hasher()
        for (i, s) in sides.enumerated() {
            if i > 0 { h.update([0]) }
            h.update(s)
        }
        return h.finalizeHex()
    }

    /// True when the text has a letter or a number (general categories L* and N*).
    static func hasLetterOrDigit(_ utf8: [UInt8]) -> Bool {
        for b in utf8 where b < 0x80 {
            if (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) { return true }
        }
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars where scalar.value >= 0x80 {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                return true
            default: continue
            }
        }
        return false
    }

    /// A seen uid, by its first 128 bits (for the in-memory dedup set only; never persisted).
    struct UID: Hashable {
        var high: UInt64, low: UInt64
        init(hex: String) {
            let bytes = Hex.decode(Array(hex.utf8.prefix(32))) ?? []
            high = bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes.dropFirst(8).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
