import Foundation
import TokenMillCore

/// `manifest.json`: the build's inventory, written last (docs/formats/manifest.md).
enum Manifest {
    static let formatVersion: Int64 = 1

    /// `SOURCE_DATE_EPOCH` (reproducible-builds.org) when set, else the current time, in UTC.
    static func creationTime() -> String {
        let date: Date
        if let env = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let secs = Double(env) {
            date = Date(timeIntervalSince1970: secs)
        } else {
            date = Date()
        }
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    static func json(_ r: BuildReport, createdAt: String) -> JSONValue {
        let names = r.recipe.sources.map(\.name)
        let shards: [JSONValue] = r.shards.map { s in
            .object([
                ("path", .string(s.path)),
                ("phase", .string(s.phase)),
                ("split", .string(s.split)),
                ("format", .string("npy")),
                ("kind", .string(s.shape.count == 1 ? "tail" : "sequences")),
                ("dtype", .string(r.dtype.name)),
                ("shape", .array(s.shape.map { .int(Int64($0)) })),
                ("sequences", .int(Int64(s.shape.count == 2 ? s.shape[0] : 0))),
                ("tokens", .int(Int64(s.shape.reduce(1, *)))),
                ("padding_tokens", .int(Int64(s.paddingTokens))),
                ("bytes", .int(s.bytes)),
                ("sha256", .string(s.sha256)),
                ("source_tokens", .object(zip(names, s.sourceTokens).map { ($0, .int($1)) })),
            ])
        }
        let totals = JSONValue.object([
            ("documents", .int(Int64(r.sources.reduce(0) { $0 + $1.documents }))),
            ("tokens", .int(r.sources.reduce(0) { $0 + $1.actual })),
            ("sequences", .int(Int64(r.splits.reduce(0) { $0 + $1.sequences }))),
            ("shards", .int(Int64(r.shards.count))),
        ])
        return .object([
            ("format", .string("tokenmill-manifest")),
            ("format_version", .int(formatVersion)),
            ("tool", .object([("name", .string("tokenmill")), ("version", .string(TokenMillVersion.string))])),
            ("name", .string(r.recipe.name)),
            ("created_at", .string(createdAt)),
            ("recipe_sha256", .string(r.recipeSHA)),
            ("recipe", r.recipe.canonicalJSON),
            ("tokenizer", .object([
                ("name", .string(r.tokenizer.name)),
                ("sha256", .string(r.tokenizer.fingerprint)),
                ("vocab_size", .int(Int64(r.tokenizer.vocabularySize))),
                ("eos_id", .int(Int64(r.tokenizer.eosID))),
                ("bos_id", r.tokenizer.bosID.map { .int(Int64($0)) } ?? .null),
                ("pad_id", .int(Int64(r.recipe.padID ?? r.tokenizer.eosID))),
                ("spec", r.tokenizer.spec),
            ])),
            ("sequence_length", .int(Int64(r.recipe.sequenceLength))),
            ("dtype", .string(r.dtype.name)),
            ("totals", totals),
            ("shards", .array(shards)),
            ("files", .array(r.extraFiles.map {
                .object([("path", .string($0.path)), ("bytes", .int($0.bytes)), ("sha256", .string($0.sha256))])
            })),
        ])
    }
}
