import Foundation
import TokenMillCore
import Yams

/// Finds a split's data files in a local Hugging Face dataset snapshot (the folder that
/// `huggingface-cli download --repo-type dataset` leaves), by the hub's own conventions:
///
/// 1. `README.md` front matter `configs:` — each with `config_name`, `data_files` (a pattern, a
///    list of patterns, or a list of `{split, path}`), optionally `default: true`;
/// 2. else the Parquet conversion layout `CONFIG/SPLIT/*.parquet` (also `CONFIG/partial-SPLIT/`);
/// 3. else split names in file or folder names, as `datasets` matches them: `data/SPLIT-00000-of-00004.parquet`,
///    `SPLIT/…`, `…/SPLIT.jsonl.gz`, `…/name-SPLIT-0.parquet`; `validation` also answers to `valid`,
///    `val` and `dev`, `test` to `testing`, `eval`; a snapshot without any split name is all `train`.
///
/// Data files are `.parquet`, `.jsonl`, `.jsonl.gz`, `.jsonl.zst`, `.ndjson` and `.txt`; the list is
/// sorted by byte order.
public enum HFSnapshot {
    static let dataExtensions = [".parquet", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".txt", ".txt.gz", ".txt.zst"]
    static let splitNames: [String: [String]] = [
        "train": ["train", "training"],
        "validation": ["validation", "valid", "val", "dev"],
        "test": ["test", "testing", "eval", "evaluation"],
    ]

    public struct Config {
        public var name: String
        public var isDefault: Bool
        /// Split → glob patterns, relative to the snapshot.
        public var dataFiles: [String: [String]]
    }

    /// The data files of `split` in `config` (nil: the default or only config).
    public static func files(in directory: String, config: String?, split: String) throws -> [String] {
        let all = try dataFiles(under: directory)
        guard !all.isEmpty else {
            throw TokenMillError(.invalidConfiguration, "\(directory): no data files (\(dataExtensions.joined(separator: ", "))) in this snapshot")
        }
        if let configs = try readmeConfigs(directory), !configs.isEmpty {
            let chosen: Config
            if let config {
                guard let c = configs.first(where: { $0.name == config }) else {
                    throw TokenMillError(.invalidConfiguration, "\(directory): no config '\(config)' in README.md; it has \(configs.map(\.name).joined(separator: ", "))")
                }
                chosen = c
            } else if let c = configs.first(where: \.isDefault) ?? (configs.count == 1 ? configs[0] : nil) {
                chosen = c
            } else {
                throw TokenMillError(.invalidConfiguration, "\(directory): README.md has several configs (\(configs.map(\.name).joined(separator: ", "))); name one with config:")
            }
            guard let patterns = chosen.dataFiles[split] else {
                throw TokenMillError(.invalidConfiguration, "\(directory): config '\(chosen.name)' has no split '\(split)'; it has \(chosen.dataFiles.keys.sorted().joined(separator: ", "))")
            }
            let hits = all.filter { f in patterns.contains { globMatch($0, f) } }
            guard !hits.isEmpty else {
                throw TokenMillError(.invalidConfiguration, "\(directory): config '\(chosen.name)', split '\(split)': no data file matches \(patterns.joined(separator: ", "))")
            }
            return hits.map { directory + "/" + $0 }
        }
        var scope = all
        if let config {
            scope = all.filter { $0.hasPrefix(config + "/") }.map { String($0.dropFirst(config.count + 1)) }
            guard !scope.isEmpty else {
                let folders = Set(all.compactMap { $0.split(separator: "/").count > 1 ? String($0.split(separator: "/")[0]) : nil }).sorted()
                throw TokenMillError(.invalidConfiguration, "\(directory): no config folder '\(config)'; folders: \(folders.joined(separator: ", "))")
            }
        }
        let names = splitNames[split] ?? [split]
        let hits = scope.filter { f in names.contains { name in matchesSplit(f, name) } }
        let prefix = config.map { directory + "/" + $0 + "/" } ?? directory + "/"
        if !hits.isEmpty { return hits.map { prefix + $0 } }
        let anySplit = scope.contains { f in splitNames.values.joined().contains { matchesSplit(f, $0) } }
        if split == "train" && !anySplit { return scope.map { prefix + $0 } }
        throw TokenMillError(.invalidConfiguration, "\(directory): no data file for split '\(split)' (file or folder names with \(names.joined(separator: "/")))")
    }

    /// Whether a relative path names `split` the way the hub's default patterns do.
    static func matchesSplit(_ path: String, _ split: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        let folders = parts.dropLast()
        // SPLIT/… or CONFIG/SPLIT/… or partial-SPLIT/…
        if folders.contains(split) || folders.contains("partial-" + split) { return true }
        // The file name: SPLIT followed by a separator, a digit or the extension, or after a separator.
        let name = parts.last ?? ""
        let seps: Set<Character> = ["-", ".", "_", " "]
        var search = name.startIndex
        while let r = name.range(of: split, range: search..<name.endIndex) {
            let beforeOK = r.lowerBound == name.startIndex || seps.contains(name[name.index(before: r.lowerBound)]) || name[name.index(before: r.lowerBound)].isNumber
            let afterOK = r.upperBound == name.endIndex || seps.contains(name[r.upperBound]) || name[r.upperBound].isNumber
            if beforeOK && afterOK { return true }
            search = r.upperBound
        }
        return false
    }

    /// Data files under the snapshot, relative, sorted; hidden folders and `.cache` skipped.
    static func dataFiles(under directory: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw TokenMillError(.invalidConfiguration, "hf_snapshot: '\(directory)' is not a folder")
        }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            let lower = rel.lowercased()
            if dataExtensions.contains(where: { lower.hasSuffix($0) }) { out.append(rel) }
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// `configs:` from README.md's YAML front matter, or nil without one.
    public static func readmeConfigs(_ directory: String) throws -> [Config]? {
        guard let data = FileManager.default.contents(atPath: directory + "/README.md") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else { return nil }
        lines.removeFirst()
        guard let end = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else { return nil }
        let yaml = lines[..<end].joined(separator: "\n")
        let node: Yams.Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw TokenMillError(.invalidConfiguration, "\(directory)/README.md: the YAML front matter does not parse: \(error)")
        }
        guard let configs = node?.mapping?["configs"]?.sequence else { return nil }
        var out: [Config] = []
        for (i, c) in configs.enumerated() {
            guard let m = c.mapping else { throw TokenMillError(.invalidConfiguration, "\(directory)/README.md: configs[\(i)] is not a mapping") }
            let name = m["config_name"]?.string ?? "default"
            let isDefault = m["default"]?.bool ?? false
            var files: [String: [String]] = [:]
            func patterns(_ n: Yams.Node?) -> [String] {
                if let s = n?.string { return [s] }
                return n?.sequence?.compactMap(\.string) ?? []
            }
            let df = m["data_files"]
            if let s = df?.string {
                files["train"] = [s]
            } else if let seq = df?.sequence {
                for item in seq {
                    if let s = item.string { files["train", default: []].append(s) } else if let im = item.mapping {
                        files[im["split"]?.string ?? "train", default: []] += patterns(im["path"])
                    }
                }
            } else if let map = df?.mapping {
                for (k, v) in map { if let split = k.string { files[split] = patterns(v) } }
            }
            out.append(Config(name: name, isDefault: isDefault, dataFiles: files))
        }
        return out
    }

    /// fnmatch-style matching of a relative path: `**` any number of folders, `*` and `?` within
    /// one name, `[…]` a character class.
    static func globMatch(_ pattern: String, _ path: String) -> Bool {
        let p = Array(pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern), s = Array(path)
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == s.count }
            if p[i] == "*" && i + 1 < p.count && p[i + 1] == "*" {
                var k = i + 2
                if k < p.count && p[k] == "/" { k += 1 }  // `**/` also matches no folder
                for t in j...s.count where match(k, t) { return true }
                return false
            }
            if p[i] == "*" {
                var t = j
                while true {
                    if match(i + 1, t) { return true }
                    if t == s.count || s[t] == "/" { return false }
                    t += 1
                }
            }
            guard j < s.count else { return false }
            if p[i] == "?" { return s[j] != "/" && match(i + 1, j + 1) }
            if p[i] == "[", let close = p[(i + 1)...].firstIndex(of: "]") {
                var set = Array(p[(i + 1)..<close])
                let negate = set.first == "!" || set.first == "^"
                if negate { set.removeFirst() }
                var hit = false
                var k = 0
                while k < set.count {
                    if k + 2 < set.count && set[k + 1] == "-" {
                        if set[k] <= s[j] && s[j] <= set[k + 2] { hit = true }
                        k += 3
                    } else {
                        if set[k] == s[j] { hit = true }
                        k += 1
                    }
                }
                return hit != negate && match(close + 1, j + 1)
            }
            return p[i] == s[j] && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}
