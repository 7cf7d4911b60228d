import Foundation
import TokenMillCore
import TokenMillIO

extension ManifestSampler {
    static let metaFormat = "tokenmill-sample-manifest"
    static let metaFormatVersion: Int64 = 1
    static let uidDefinition = "sha256 hex of the NFKC UTF-8 text fields in manifest order (text | src_text, tgt_text) joined by one 0x00 byte"

    /// `MANIFEST.meta.json`. Everything but `created_at` is a function of the inputs and options.
    func metadata(_ summary: Summary) throws -> JSONValue {
        let o = options
        var inputs: [JSONValue] = []
        let fingerprint = SHA256Hasher()
        for path in o.inputs {
            let (sha, bytes) = try Verifier.hashFile(path)
            fingerprint.update(Array(sha.utf8))
            var entry: [(String, JSONValue)] = [("path", .string(path)), ("bytes", .int(bytes)), ("sha256", .string(sha))]
            if let revision = Self.hubRevision(path) { entry.append(("revision", .string(revision))) }
            inputs.append(.object(entry))
        }
        var fields: [(String, JSONValue)] = []
        var direction: JSONValue = .null
        switch o.fields {
        case .text(let f): fields.append(("text", .string(f)))
        case .pair(let s, let t):
            fields.append(("src_text", .string("translation.\(s) | \(s)")))
            fields.append(("tgt_text", .string("translation.\(t) | \(t)")))
            direction = .object([("src_lang", .string(s)), ("tgt_lang", .string(t))])
        }
        if let id = o.idField { fields.append(("id", .string(id))) }
        let filters: [(String, JSONValue)] = [
            ("required_fields", .array(o.fields.sides.map { .string($0) })),
            ("min_chars", .int(Int64(o.minChars))),
            ("max_chars", o.maxChars.map { .int(Int64($0)) } ?? .null),
            ("drop_punctuation_only", .bool(o.dropPunctuationOnly)),
            ("drop_identical_pairs", .bool(o.dropIdenticalPairs)),
            ("drop_duplicates", .bool(o.dropDuplicates)),
            ("normalization", .string("NFKC")),
        ]
        return .object([
            ("format", .string(Self.metaFormat)),
            ("format_version", .int(Self.metaFormatVersion)),
            ("tool", .object([("name", .string("tokenmill")), ("version", .string(TokenMillVersion.string))])),
            ("source", .string(o.sourceName)),
            ("inputs", .array(inputs)),
            ("input_fingerprint", .string(fingerprint.finalizeHex())),
            ("fields", .object(fields)),
            ("direction", direction),
            ("uid", .string(Self.uidDefinition)),
            ("algorithm", .string(o.weighting.algorithm)),
            ("weight", o.weighting.name.map { .string($0) } ?? .null),
            ("seed", .int(Int64(bitPattern: o.seed))),
            ("k", .int(Int64(o.k))),
            ("filters", .object(filters)),
            ("splits", .array(summary.splits.map { .object([("name", .string($0.name)), ("rows", .int(Int64($0.rows)))]) })),
            ("counts", .object([
                ("records", .int(Int64(summary.records))),
                ("eligible", .int(Int64(summary.eligible))),
                ("sampled", .int(Int64(summary.splits.reduce(0) { $0 + $1.rows }))),
                ("dropped", .object(summary.dropped.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ])),
            ("manifest_sha256", .string(summary.manifestSHA256)),
            ("created_at", .string(Manifest.creationTime())),
        ])
    }

    /// The commit of a Hugging Face hub snapshot folder (`…/snapshots/<40 hex>/…`), if `path`
    /// lies in one.
    static func hubRevision(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        for (i, p) in parts.enumerated() where p == "snapshots" && i + 1 < parts.count {
            let rev = parts[i + 1]
            if rev.count == 40 && rev.allSatisfy(\.isHexDigit) { return String(rev) }
        }
        return nil
    }
}
