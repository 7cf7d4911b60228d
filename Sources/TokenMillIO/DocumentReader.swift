import TokenMillCore

/// Reads the documents of one work unit (JSONL or plain text), repairing and counting problems.
///
/// Bad data is a statistic, not an exception: a malformed line, a missing or non-string text
/// field, or a blank line is counted by reason and handed to `onReject`; invalid UTF-8 and lone
/// surrogates are replaced with U+FFFD and counted. Only a stream failure (a truncated `.gz`)
/// stops the unit, and it is recorded in `ReadStats.errors` with the file and byte offset.
public struct DocumentReader {
    public let spec: ReaderSpec
    private let textPath: [[UInt8]]
    private let idPath: [[UInt8]]?

    public init(spec: ReaderSpec) {
        self.spec = spec
        textPath = spec.textField.split(separator: ".").map { Array($0.utf8) }
        idPath = spec.idField.map { $0.split(separator: ".").map { Array($0.utf8) } }
    }

    public static let truncatedRecord = DropReason("truncated_record")

    /// Reads `unit`, calling `onDocument` for each document in input order.
    public func read(_ unit: WorkUnit, onDocument: (Document) throws -> Void,
                     onReject: (Reject) throws -> Void) throws -> ReadStats {
        var stats = ReadStats()
        if spec.format == .parquet {
            try readParquet(unit, &stats, onDocument, onReject)
            return stats
        }
        var stream = try Compression.open(path: unit.path, compression: unit.compression, start: unit.start, end: unit.end)
        switch spec.format {
        case .parquet:
            break
        case .jsonl:
            try readJSONL(unit, &stream, &stats, onDocument, onReject)
        case .text:
            switch spec.textMode {
            case .file: try readWholeFile(unit, &stream, &stats, onDocument)
            case .line, .paragraph: try readTextLines(unit, &stream, &stats, onDocument)
            }
        }
        return stats
    }

    private func readJSONL(_ unit: WorkUnit, _ stream: inout any ByteStream, _ stats: inout ReadStats,
                           _ onDocument: (Document) throws -> Void, _ onReject: (Reject) throws -> Void) throws {
        let paths = idPath.map { [textPath, $0] } ?? [textPath]
        let atFileStart = unit.start == 0
        let end = try LineReader.forEachLine(in: &stream, firstLine: unit.firstLine) { rawLine, lineNumber in
            stats.inputBytes += Int64(rawLine.count + 1)
            var line = rawLine
            if atFileStart, lineNumber == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeRawBufferPointer(rebasing: line[3...])
            }
            stats.records += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                stats.drops.add(DropReason.blankLine.rawValue)
                return
            }
            func reject(_ reason: DropReason, _ detail: String) throws {
                stats.drops.add(reason.rawValue)
                var repaired: [UInt8] = []
                UTF8Repair.append(line, to: &repaired)
                try onReject(Reject(line: lineNumber, reason: reason, detail: detail,
                                    raw: String(decoding: repaired, as: UTF8.self)))
            }
            var scanner = JSONScanner(line)
            let result: (isObject: Bool, fields: [JSONScanner.Field])
            do {
                result = try scanner.extract(paths)
            } catch let failure as JSONScanner.Failure {
                try reject(.malformedJSON, "\(unit.displayPath):\(lineNumber): \(failure.description)")
                return
            }
            guard result.isObject else {
                try reject(.notAnObject, "\(unit.displayPath):\(lineNumber): the record is not a JSON object")
                return
            }
            let text: [UInt8]
            switch result.fields[0] {
            case .string(let bytes): text = bytes
            case .missing:
                try reject(.missingTextField, "\(unit.displayPath):\(lineNumber): no field '\(spec.textField)'")
                return
            case .number: try reject(.textNotString, "\(unit.displayPath):\(lineNumber): field '\(spec.textField)' is a number"); return
            case .other(let kind): try reject(.textNotString, "\(unit.displayPath):\(lineNumber): field '\(spec.textField)' is \(kind)"); return
            }
            var id = "\(unit.displayPath):\(lineNumber)"
            if result.fields.count > 1 {
                switch result.fields[1] {
                case .string(let bytes), .number(let bytes): id = String(decoding: bytes, as: UTF8.self)
                default: break
                }
            }
            let repairs = scanner.repairs
            if repairs.invalidUTF8 > 0 {
                stats.repairs.add(RepairKind.invalidUTF8.rawValue)
                stats.repairs.add("replacement_characters", repairs.invalidUTF8)
            }
            if repairs.loneSurrogates > 0 {
                stats.repairs.add(RepairKind.loneSurrogate.rawValue)
                stats.repairs.add("replacement_characters", repairs.loneSurrogates)
            }
            stats.documents += 1
            try onDocument(Document(id: id, text: text, line: lineNumber))
        }
        record(end, &stats)
    }

    private func readWholeFile(_ unit: WorkUnit, _ stream: inout any ByteStream, _ stats: inout ReadStats,
                               _ onDocument: (Document) throws -> Void) throws {
        let (bytes, error) = try LineReader.readAll(&stream)
        stats.inputBytes += Int64(bytes.count)
        stats.records += 1
        if let error {
            stats.errors.append(error.message)
            stats.drops.add(Self.truncatedRecord.rawValue)
            return
        }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        let replaced = bytes.withUnsafeBytes { UTF8Repair.append($0, to: &text) }
        noteRepairs(replaced, &stats)
        stats.documents += 1
        try onDocument(Document(id: unit.displayPath, text: text, line: 1))
    }

    private func readTextLines(_ unit: WorkUnit, _ stream: inout any ByteStream, _ stats: inout ReadStats,
                               _ onDocument: (Document) throws -> Void) throws {
        let paragraphs = spec.textMode == .paragraph
        var pending: [UInt8] = []
        var pendingLine = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            var text: [UInt8] = []
            text.reserveCapacity(pending.count)
            let replaced = pending.withUnsafeBytes { UTF8Repair.append($0, to: &text) }
            noteRepairs(replaced, &stats)
            stats.records += 1
            stats.documents += 1
            try onDocument(Document(id: "\(unit.displayPath):\(pendingLine)", text: text, line: pendingLine))
            pending.removeAll(keepingCapacity: true)
        }
        let end = try LineReader.forEachLine(in: &stream, firstLine: unit.firstLine) { line, number in
            stats.inputBytes += Int64(line.count + 1)
            let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if paragraphs {
                if blank { try flush(); return }
                if pending.isEmpty { pendingLine = number } else { pending.append(0x0A) }
                pending.append(contentsOf: line)
            } else {
                if blank { return }
                pendingLine = number
                pending.append(contentsOf: line)
                try flush()
            }
        }
        if case .failed = end {
            pending.removeAll()  // the last paragraph may be cut: it is counted, not kept
            if paragraphs { stats.drops.add(Self.truncatedRecord.rawValue) }
        } else {
            try flush()
        }
        record(end, &stats)
    }

    private func noteRepairs(_ replaced: Int, _ stats: inout ReadStats) {
        guard replaced > 0 else { return }
        stats.repairs.add(RepairKind.invalidUTF8.rawValue)
        stats.repairs.add("replacement_characters", replaced)
    }

    private func record(_ end: LineReader.End, _ stats: inout ReadStats) {
        if case let .failed(error, partial) = end {
            stats.errors.append(error.message)
            if partial > 0 && spec.format == .jsonl { stats.drops.add(Self.truncatedRecord.rawValue) }
        }
    }
}
