import TokenMillCore

/// The schema tree of a Parquet file, rebuilt from the footer's flattened (pre-order) list, and
/// its leaf columns with their maximum definition and repetition levels.
public struct ParquetSchema: Sendable {
    public final class Node: Sendable {
        public let name: String
        public let repetition: ParquetRepetition
        public let type: ParquetPhysicalType?
        public let typeLength: Int
        public let convertedType: Int32?
        public let children: [Node]
        init(name: String, repetition: ParquetRepetition, type: ParquetPhysicalType?, typeLength: Int, convertedType: Int32?, children: [Node]) {
            self.name = name
            self.repetition = repetition
            self.type = type
            self.typeLength = typeLength
            self.convertedType = convertedType
            self.children = children
        }
        public var isLeaf: Bool { children.isEmpty && type != nil }
    }

    public struct Leaf: Sendable {
        /// Names from the root's child down to the leaf (`document.tokens.list.element.token`).
        public let path: [String]
        public let type: ParquetPhysicalType
        public let typeLength: Int
        public let maxDefinition: Int
        public let maxRepetition: Int
        /// The repetition of each node on the path (root excluded).
        public let repetitions: [ParquetRepetition]
        /// The leaf's legacy converted type (0 UTF8, 11–14 unsigned integers…), if any.
        public let convertedType: Int32?
        public var dottedPath: String { path.joined(separator: ".") }
    }

    public let root: Node
    public let leaves: [Leaf]

    init(_ elements: [ParquetSchemaElement]) throws {
        guard !elements.isEmpty else { throw ParquetDecoding.Failure(what: "empty schema") }
        var index = 0
        func build(depth: Int) throws -> Node {
            guard index < elements.count else { throw ParquetDecoding.Failure(what: "schema ends inside a group") }
            guard depth < 100 else { throw ParquetDecoding.Failure(what: "schema nested deeper than 100") }
            let e = elements[index]
            index += 1
            var children: [Node] = []
            let n = Int(e.numChildren ?? 0)
            guard n >= 0, n <= elements.count else { throw ParquetDecoding.Failure(what: "schema element \(e.name) claims \(n) children") }
            for _ in 0..<n { children.append(try build(depth: depth + 1)) }
            if n == 0 && e.type == nil { throw ParquetDecoding.Failure(what: "schema element \(e.name) has neither a type nor children") }
            if n == 0 && e.type == .fixedLenByteArray && (e.typeLength ?? 0) <= 0 {
                throw ParquetDecoding.Failure(what: "FIXED_LEN_BYTE_ARRAY column \(e.name) without a positive type_length")
            }
            return Node(name: e.name, repetition: e.repetition ?? .required, type: n == 0 ? e.type : nil,
                        typeLength: Int(e.typeLength ?? 0), convertedType: e.convertedType, children: children)
        }
        root = try build(depth: 0)
        guard index == elements.count else { throw ParquetDecoding.Failure(what: "schema has \(elements.count - index) elements after the root's children") }
        var leaves: [Leaf] = []
        func walk(_ node: Node, path: [String], reps: [ParquetRepetition], def: Int, rep: Int) {
            for c in node.children {
                let d = def + (c.repetition == .required ? 0 : 1)
                let r = rep + (c.repetition == .repeated ? 1 : 0)
                if c.isLeaf {
                    leaves.append(Leaf(path: path + [c.name], type: c.type!, typeLength: c.typeLength, maxDefinition: d, maxRepetition: r,
                                       repetitions: reps + [c.repetition], convertedType: c.convertedType))
                } else {
                    walk(c, path: path + [c.name], reps: reps + [c.repetition], def: d, rep: r)
                }
            }
        }
        walk(root, path: [], reps: [], def: 0, rep: 0)
        self.leaves = leaves
    }

    /// The leaf for a dotted path. The path may leave out the list wrappers that writers add
    /// (`tokens.list.element.token` is also `tokens.token`; `list.item` / `bag.array` likewise).
    public func leaf(_ dotted: String) -> (index: Int, leaf: Leaf)? {
        let want = dotted.split(separator: ".").map(String.init)
        if let i = leaves.firstIndex(where: { $0.path == want }) { return (i, leaves[i]) }
        let wrappers: Set<String> = ["list", "element", "item", "array", "bag", "key_value"]
        for (i, l) in leaves.enumerated() {
            // Drop wrapper names that are not in the wanted path.
            var stripped: [String] = []
            var k = 0
            for name in l.path {
                if k < want.count && name == want[k] { stripped.append(name); k += 1 } else if !wrappers.contains(name) { stripped.append(name) }
            }
            if stripped == want { return (i, l) }
        }
        return nil
    }
}
