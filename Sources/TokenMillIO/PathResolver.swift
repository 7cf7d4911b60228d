import TokenMillCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands a source's `paths` (files, directories, globs) into a sorted, deterministic file list.
///
/// Relative entries are taken from `baseDirectory` (the recipe's folder). Directories are walked
/// recursively for files with a known extension; globs use `glob(3)`. Each entry's matches are
/// sorted by byte order; entries keep the order given; a file named twice is read once.
public enum PathResolver {
    public static let knownExtensions = [".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".ndjson",
                                         ".txt", ".txt.gz", ".txt.zst", ".text", ".md", ".parquet"]

    public static func resolve(_ entries: [String], baseDirectory: String, keyPath: String) throws -> [(path: String, display: String)] {
        var seen = Set<String>()
        var out: [(String, String)] = []
        for (i, entry) in entries.enumerated() {
            let full = entry.hasPrefix("/") ? entry : (baseDirectory.isEmpty ? entry : baseDirectory + "/" + entry)
            var matches: [String]
            if entry.contains(where: { "*?[".contains($0) }) {
                matches = globMatches(full).filter { isRegularFile($0) }
                guard !matches.isEmpty else {
                    throw TokenMillError(.invalidConfiguration, "\(keyPath)[\(i)]: the pattern '\(entry)' matches no file (looked in \(baseDirectory.isEmpty ? "." : baseDirectory))")
                }
            } else if isDirectory(full) {
                matches = walk(full)
                guard !matches.isEmpty else {
                    throw TokenMillError(.invalidConfiguration, "\(keyPath)[\(i)]: the folder '\(entry)' holds no .jsonl/.txt (with or without .gz/.zst) or .parquet file")
                }
            } else if isRegularFile(full) {
                matches = [full]
            } else {
                throw TokenMillError(.invalidConfiguration, "\(keyPath)[\(i)]: no such file or folder '\(entry)' (relative paths start at the recipe's folder \(baseDirectory.isEmpty ? "." : baseDirectory))")
            }
            matches.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for m in matches where seen.insert(m).inserted {
                out.append((m, display(m, base: baseDirectory)))
            }
        }
        return out
    }

    static func display(_ path: String, base: String) -> String {
        if !base.isEmpty, path.hasPrefix(base + "/") { return String(path.dropFirst(base.count + 1)) }
        return path
    }

    static func globMatches(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func walk(_ dir: String) -> [String] {
        var out: [String] = []
        guard let d = opendir(dir) else { return [] }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(d)
        for name in names {
            let full = dir + "/" + name
            if isDirectory(full) { out += walk(full) }
            else if knownExtensions.contains(where: { name.lowercased().hasSuffix($0) }) { out.append(full) }
        }
        return out
    }
}
