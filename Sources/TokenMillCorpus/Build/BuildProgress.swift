import Foundation
import Synchronization

/// Progress of a build, shown as a bar on a terminal, as a log line every few seconds otherwise,
/// as JSON lines with `--json`, or not at all with `--quiet`. Counters are updated from worker
/// threads through one mutex per update batch (per document, not per token).
public final class BuildProgress: Sendable {
    public enum Mode: Sendable { case bar, log, json, quiet }

    struct State {
        var phase = ""
        var units = 0
        var unitsTotal = 0
        var documents = 0
        var bytes: Int64 = 0
        var tokens: Int64 = 0
        var tokensTotal: Int64 = 0
        var phaseStart = Date()
        var lastPrint = Date.distantPast
    }

    public let mode: Mode
    private let state = Mutex(State())
    private let interval: TimeInterval

    public init(mode: Mode) {
        self.mode = mode
        interval = mode == .bar ? 0.2 : 5
    }

    public static func automatic(quiet: Bool, json: Bool) -> BuildProgress {
        if quiet { return BuildProgress(mode: .quiet) }
        if json { return BuildProgress(mode: .json) }
        return BuildProgress(mode: isatty(STDERR_FILENO) != 0 ? .bar : .log)
    }

    func begin(_ phase: String, units: Int = 0, tokensTotal: Int64 = 0) {
        finishLine()
        state.withLock {
            $0 = State()
            $0.phase = phase
            $0.unitsTotal = units
            $0.tokensTotal = tokensTotal
        }
    }

    func addDocuments(_ n: Int, tokens: Int) {
        state.withLock { $0.documents += n; $0.tokens += Int64(tokens) }
        tick()
    }

    func addBytes(_ n: Int64) { state.withLock { $0.bytes += n } }
    func addTokens(_ n: Int64) { state.withLock { $0.tokens += n }; tick() }
    func unitDone() { state.withLock { $0.units += 1 }; tick(force: mode == .bar) }

    /// Prints a plain message (not overwritten by the bar).
    public func message(_ text: String) {
        guard mode != .quiet else { return }
        finishLine()
        if mode == .json {
            FileHandle.standardError.write(Data((JSONLine.make(["event": "message", "text": text]) + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    func end() {
        tick(force: true)
        finishLine()
    }

    private func finishLine() {
        if mode == .bar { FileHandle.standardError.write(Data("\n".utf8)) ; state.withLock { $0.lastPrint = .distantPast } }
    }

    private func tick(force: Bool = false) {
        guard mode != .quiet else { return }
        let now = Date()
        let line: String? = state.withLock { s in
            guard force || now.timeIntervalSince(s.lastPrint) >= interval else { return nil }
            if !force && mode != .bar && now.timeIntervalSince(s.phaseStart) < interval { return nil }
            s.lastPrint = now
            return render(s, now: now)
        }
        guard let line else { return }
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func render(_ s: State, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(s.phaseStart), 1e-3)
        let mb = Double(s.bytes) / 1e6
        let tps = Double(s.tokens) / elapsed
        var fraction: Double?
        if s.unitsTotal > 0 { fraction = Double(s.units) / Double(s.unitsTotal) }
        if s.tokensTotal > 0 { fraction = Double(s.tokens) / Double(s.tokensTotal) }
        let eta = fraction.flatMap { $0 > 0 ? elapsed * (1 - $0) / $0 : nil }
        switch mode {
        case .json:
            return JSONLine.make(["event": "progress", "phase": s.phase, "documents": "\(s.documents)",
                                  "mb": String(format: "%.1f", mb), "tokens": "\(s.tokens)",
                                  "tokens_per_s": String(format: "%.0f", tps),
                                  "eta_s": eta.map { String(format: "%.0f", $0) } ?? ""]) + "\n"
        case .bar:
            let width = 24
            let filled = Int((fraction ?? 0) * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let volume = s.bytes > 0 ? "  \(String(format: "%.1f", mb)) MB" : ""
            return "\r\(s.phase) [\(bar)] \(s.documents) docs\(volume)  \(Self.human(tps)) tok/s  ETA \(eta.map(Self.clock) ?? "--")  "
        default:
            let volume = s.bytes > 0 ? ", \(String(format: "%.1f", mb)) MB" : ""
            return "\(s.phase): \(s.documents) docs\(volume), \(Self.human(tps)) tokens/s, ETA \(eta.map(Self.clock) ?? "--")\n"
        }
    }

    static func human(_ x: Double) -> String {
        if x >= 1e9 { return String(format: "%.2fG", x / 1e9) }
        if x >= 1e6 { return String(format: "%.2fM", x / 1e6) }
        if x >= 1e3 { return String(format: "%.1fk", x / 1e3) }
        return String(format: "%.0f", x)
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}

enum JSONLine {
    static func make(_ fields: [String: String]) -> String {
        var out = "{"
        for (i, key) in fields.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            JSONValueWriter.string(key, into: &out)
            out += ":"
            JSONValueWriter.string(fields[key]!, into: &out)
        }
        return out + "}"
    }
}

import TokenMillCore
enum JSONValueWriter {
    static func string(_ s: String, into out: inout String) { JSONValue.writeString(s, into: &out) }
}
