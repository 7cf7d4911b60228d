import TokenMillCore

extension DropReason {
    public static let blocklistedWord = DropReason("blocklisted_word")
    public static let blocklistedURL = DropReason("blocklisted_url")
    public static let sampledOut = DropReason("sampled_out")
}

/// Drops documents that contain a listed word or phrase, as C4's bad-words filter does: matched
/// case-insensitively, flanked by non-word characters (or the text's ends). The list is a file
/// with one entry per line; blank lines and lines starting with `#` are skipped.
public struct WordBlocklist: Sendable {
    /// Entries (lower case, as scalars), grouped by their first scalar.
    private let byFirst: [Unicode.Scalar: [[Unicode.Scalar]]]
    public let count: Int

    public init(entries: [String]) {
        var map: [Unicode.Scalar: [[Unicode.Scalar]]] = [:]
        var n = 0
        for e in entries {
            let s = e.trimmingWhitespace()
            guard !s.isEmpty, !s.hasPrefix("#") else { continue }
            let scalars = PyText.lower(Array(s.unicodeScalars), 0..<s.unicodeScalars.count)
            map[scalars[0], default: []].append(scalars)
            n += 1
        }
        byFirst = map.mapValues { $0.sorted { $0.count > $1.count } }
        count = n
    }

    public init(contentsOf path: String) throws {
        self.init(entries: try readAllBytes(path).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) })
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || PyText.isAlpha(c) || c.properties.numericType != nil || c.properties.generalCategory == .nonspacingMark
    }

    /// The first listed entry found in `text`, if any.
    public func firstMatch(_ text: String) -> String? {
        let t = PyText.lower(Array(text.unicodeScalars), 0..<text.unicodeScalars.count)
        for i in t.indices where i == 0 || !Self.isWordScalar(t[i - 1]) {
            guard let candidates = byFirst[t[i]] else { continue }
            for e in candidates where i + e.count <= t.count && (i + e.count == t.count || !Self.isWordScalar(t[i + e.count])) {
                if t[i..<(i + e.count)].elementsEqual(e) { return PyText.string(e, 0..<e.count) }
            }
        }
        return nil
    }

    public func decide(_ text: String) -> DropReason? { firstMatch(text) == nil ? nil : .blocklistedWord }
}

/// Drops documents whose URL's host is listed, or is below a listed domain (`example.com` blocks
/// `www.example.com`); a listed entry with a path (`example.com/ads/`) blocks URLs that start
/// with it. Hosts compare case-insensitively, without a scheme, user or port.
public struct URLBlocklist: Sendable {
    private let domains: Set<String>
    private let prefixes: [String]

    public init(entries: [String]) {
        var d = Set<String>(), p: [String] = []
        for e in entries {
            let s = e.trimmingWhitespace().lowercased()
            guard !s.isEmpty, !s.hasPrefix("#") else { continue }
            let bare = Self.strippingScheme(s)
            if bare.contains("/") { p.append(bare) } else { d.insert(bare) }
        }
        domains = d
        prefixes = p
    }

    public init(contentsOf path: String) throws {
        self.init(entries: try readAllBytes(path).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) })
    }

    static func strippingScheme(_ s: String) -> String {
        var rest = Substring(s)
        if let r = rest.firstRange(of: "://") { rest = rest[r.upperBound...] }
        if let slash = rest.firstIndex(of: "/"), let at = rest[..<slash].lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        else if rest.firstIndex(of: "/") == nil, let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest)
    }

    public func isBlocked(_ url: String) -> Bool {
        let bare = Self.strippingScheme(url.lowercased())
        var host = Substring(bare.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        var h = String(host)
        while true {
            if domains.contains(h) { return true }
            guard let dot = h.firstIndex(of: ".") else { break }
            h = String(h[h.index(after: dot)...])
        }
        return prefixes.contains { bare.hasPrefix($0) }
    }

    public func decide(url: String?) -> DropReason? {
        guard let url, isBlocked(url) else { return nil }
        return .blocklistedURL
    }
}

/// Keeps each document with probability `rate`, decided by a stable hash of the seed and the
/// document's key (its id, or its text when it has none): the same documents are kept whatever
/// the order, the sharding or the thread count.
public struct SeededSampler: Sendable, Equatable {
    public let rate: Double
    public let seed: UInt64

    public init(rate: Double, seed: UInt64) {
        self.rate = rate
        self.seed = seed
    }

    public func keeps(_ key: String) -> Bool {
        StableHash.unitInterval(StableHash.xxh64(key, seed: seed ^ 0x7361_6D70_6C65_7221)) < rate
    }

    public func decide(key: String) -> DropReason? { keeps(key) ? nil : .sampledOut }
}

extension String {
    func trimmingWhitespace() -> String {
        let s = unicodeScalars
        guard let a = s.firstIndex(where: { !PyText.isSpace($0) }), let b = s.lastIndex(where: { !PyText.isSpace($0) }) else { return "" }
        return String(s[a...b])
    }
}
