import Foundation
import TokenMillCore
import Yams

/// A parsed configuration tree (from YAML or JSON) that knows its key path, so that every
/// validation error can name exactly where it is: `sources[1].weight`.
struct ConfigNode {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    /// Loads a YAML or JSON file (chosen by extension; JSON is also accepted in .yaml files).
    static func load(file: String) throws -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenMillError(.io, "\(file): cannot read the recipe; check the path")
        }
        let bytes = [UInt8](data)
        if file.lowercased().hasSuffix(".json") {
            do { return ConfigNode(try JSONScanner.parse(bytes), path: "") }
            catch let f as JSONScanner.Failure {
                throw TokenMillError(.invalidConfiguration, "\(file): invalid JSON: \(f.description)")
            }
        }
        do {
            guard let node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) else {
                throw TokenMillError(.invalidConfiguration, "\(file): the recipe is empty")
            }
            return ConfigNode(convert(node), path: "")
        } catch let e as TokenMillError {
            throw e
        } catch {
            throw TokenMillError(.invalidConfiguration, "\(file): invalid YAML: \(error)")
        }
    }

    static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let s):
            let tag = node.tag
            if tag == Tag(.null) { return .null }
            if tag == Tag(.bool) { return .bool(node.bool ?? false) }
            if tag == Tag(.int) { return node.int.map { .int(Int64($0)) } ?? .string(s.string) }
            if tag == Tag(.float) { return node.float.map { .double($0) } ?? .string(s.string) }
            return .string(s.string)
        case .sequence(let seq): return .array(seq.map(convert))
        case .mapping(let map): return .object(map.map { (($0.key.string ?? "\($0.key)"), convert($0.value)) })
        }
    }

    func child(_ key: String) -> ConfigNode? {
        guard let v = value[key] else { return nil }
        if case .null = v { return nil }
        return ConfigNode(v, path: path.isEmpty ? key : "\(path).\(key)")
    }

    var keys: [String] { if case let .object(pairs) = value { return pairs.map(\.0) }; return [] }

    func error(_ message: String) -> TokenMillError {
        TokenMillError(.invalidConfiguration, "\(path.isEmpty ? "recipe" : path): \(message)")
    }

    /// Rejects keys outside `allowed` (typos must not be silently ignored).
    func checkKeys(_ allowed: [String]) throws {
        guard case .object = value else { throw error("expected a mapping") }
        for key in keys where !allowed.contains(key) {
            let hint = allowed.min { editDistance($0, key) < editDistance($1, key) }
            throw TokenMillError(.invalidConfiguration, "\(path.isEmpty ? key : "\(path).\(key)"): unknown key" + (hint.map { editDistance($0, key) <= 3 ? "; did you mean '\($0)'?" : "" } ?? ""))
        }
    }

    func string() throws -> String {
        guard let s = value.stringValue else { throw error("expected a string, got \(kind)") }
        return s
    }

    func int() throws -> Int64 {
        guard let i = value.intValue else { throw error("expected an integer, got \(kind)") }
        return i
    }

    func double() throws -> Double {
        guard let d = value.doubleValue else { throw error("expected a number, got \(kind)") }
        return d
    }

    func bool() throws -> Bool {
        guard case let .bool(b) = value else { throw error("expected true or false, got \(kind)") }
        return b
    }

    func array() throws -> [ConfigNode] {
        guard case let .array(items) = value else { throw error("expected a list, got \(kind)") }
        return items.enumerated().map { ConfigNode($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// A list of strings; a single string is taken as a one-element list.
    func stringList() throws -> [String] {
        if case let .string(s) = value { return [s] }
        return try array().map { try $0.string() }
    }

    var kind: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string(let s): return "the string '\(s)'"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}
