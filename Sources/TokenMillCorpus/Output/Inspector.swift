import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// `tokenmill inspect DIR|SHARD`: a human summary of a build or of one `.npy` shard.
public enum Inspector {
    public static func inspect(path: String, json: Bool, tokenizer: (any Tokenizer)? = nil) throws -> String {
        if PathResolver.isDirectory(path) { return try inspectBuild(path, json: json) }
        return try inspectShard(path, json: json, tokenizer: tokenizer)
    }

    /// The tokenizer named by the manifest of the build a shard belongs to (its folder or the
    /// folder above, for phase folders), when it is a built-in one.
    public static func tokenizerBeside(shard: String) -> (any Tokenizer)? {
        guard !PathResolver.isDirectory(shard) else { return nil }
        var dir = (shard as NSString).deletingLastPathComponent
        for _ in 0..<2 {
            if let m = try? Verifier.loadManifest(dir.isEmpty ? "." : dir),
               let spec = m["tokenizer"]?["spec"], spec["type"]?.stringValue == "byte-level" {
                return ByteLevelTokenizer(eosToken: spec["eos_token"]?.stringValue ?? "<|endoftext|>",
                                          bosToken: spec["bos_token"]?.stringValue)
            }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }

    static func inspectBuild(_ dir: String, json: Bool) throws -> String {
        let m = try Verifier.loadManifest(dir)
        let statsData = FileManager.default.contents(atPath: dir + "/meta_stats.json")
        let stats = try statsData.map { try JSONScanner.parse([UInt8]($0)) }
        if json {
            return JSONValue.object([("manifest", m), ("meta_stats", stats ?? .null)]).serialized()
        }
        var s = "build \(m["name"]?.stringValue ?? "?") (tokenmill \(m["tool"]?["version"]?.stringValue ?? "?"), created \(m["created_at"]?.stringValue ?? "?"))\n"
        s += "tokenizer: \(m["tokenizer"]?["name"]?.stringValue ?? "?"), vocab \(m["tokenizer"]?["vocab_size"]?.intValue ?? 0), eos \(m["tokenizer"]?["eos_id"]?.intValue ?? 0); dtype \(m["dtype"]?.stringValue ?? "?"), sequence length \(m["sequence_length"]?.intValue ?? 0)\n"
        if let stats {
            s += "tokens: \(stats["actual_total_tokens"]?.intValue ?? 0) of \(stats["target_total_tokens"]?.intValue ?? 0) (budget efficiency \(stats["budget_efficiency_pct"]?.doubleValue ?? 0)%)\n"
            for src in stats["sources_breakdown"]?.arrayValue ?? [] {
                s += "  \(src["name"]?.stringValue ?? "?"): \(src["actual_tokens"]?.intValue ?? 0)/\(src["target_tokens"]?.intValue ?? 0) tokens, \(src["documents"]?.intValue ?? 0) docs, shortfall \(src["shortfall"]?.intValue ?? 0)\n"
            }
        }
        var bySplit: [String: (Int, Int64, Int64)] = [:]
        var order: [String] = []
        for sh in m["shards"]?.arrayValue ?? [] {
            let key = (sh["phase"]?.stringValue ?? "") + "/" + (sh["split"]?.stringValue ?? "")
            if bySplit[key] == nil { order.append(key) }
            var v = bySplit[key] ?? (0, 0, 0)
            v.0 += 1
            v.1 += sh["sequences"]?.intValue ?? 0
            v.2 += sh["bytes"]?.intValue ?? 0
            bySplit[key] = v
        }
        for k in order {
            let v = bySplit[k]!
            s += "  \(k): \(v.0) shard(s), \(v.1) sequences, \(String(format: "%.1f", Double(v.2) / 1e6)) MB\n"
        }
        return s
    }

    static func inspectShard(_ path: String, json: Bool, tokenizer: (any Tokenizer)?) throws -> String {
        let head = try Verifier.readPrefix(path, count: 4096)
        let h = try NpyFormat.parseHeader(head, path: path)
        guard let dtype = h.dtype == "<u2" ? NpyFormat.DType.uint16 : h.dtype == "<u4" ? .uint32 : nil else {
            throw TokenMillError(.unsupported, "\(path): dtype \(h.dtype) is not a token dtype (<u2, <u4)")
        }
        let firstCount = min(h.shape.reduce(1, *), 32)
        var s = try FileByteStream(path: path, start: Int64(h.dataOffset), end: Int64(h.dataOffset + firstCount * dtype.size))
        var buf = [UInt8](repeating: 0, count: firstCount * dtype.size)
        let n = try buf.withUnsafeMutableBytes { try s.read(into: $0) }
        let ids = TokenEncoding.decode(Array(buf[0..<n]), dtype: dtype)
        if json {
            return JSONValue.object([("path", .string(path)), ("dtype", .string(dtype.name)),
                                     ("shape", .array(h.shape.map { .int(Int64($0)) })),
                                     ("first_ids", .array(ids.map { .int(Int64($0)) }))]).serialized()
        }
        var out = "\(path): \(dtype.name) \(h.shape)\nfirst ids: \(ids.map(String.init).joined(separator: " "))\n"
        if let tokenizer { out += "decoded: \(String(reflecting: tokenizer.decodeString(ids)))\n" }
        return out
    }
}
