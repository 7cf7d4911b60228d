import Foundation

/// Two small SVG charts for the data card, written by hand (deterministic bytes, no dependency).
enum Charts {
    static let palette = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]

    /// Histogram of selected documents' lengths in tokens, per source, in powers-of-two bins.
    static func lengthHistogram(_ r: BuildReport) -> String {
        let maxLen = r.sources.flatMap(\.lengths).max() ?? 1
        let bins = max(1, Int(log2(Double(max(maxLen, 1)))) + 1)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: bins), count: r.sources.count)
        for (si, s) in r.sources.enumerated() {
            for l in s.lengths { counts[si][min(bins - 1, l == 0 ? 0 : Int(log2(Double(l))))] += 1 }
        }
        let peak = max(1, counts.flatMap { $0 }.max() ?? 1)
        let width = 720, height = 320, left = 60, bottom = 50, top = 40
        let plotW = width - left - 20, plotH = height - bottom - top
        let groupW = Double(plotW) / Double(bins)
        let barW = groupW * 0.8 / Double(max(1, r.sources.count))
        var svg = header(width, height, title: "Document length (tokens) per source")
        svg += axis(left: left, top: top, plotW: plotW, plotH: plotH, peak: peak, label: "documents")
        for (si, row) in counts.enumerated() {
            for (b, c) in row.enumerated() where c > 0 {
                let h = Double(plotH) * Double(c) / Double(peak)
                let x = Double(left) + Double(b) * groupW + groupW * 0.1 + Double(si) * barW
                svg += rect(x, Double(top + plotH) - h, barW, h, palette[si % palette.count])
            }
        }
        for b in 0..<bins where bins <= 16 || b % 2 == 0 {
            let x = Double(left) + (Double(b) + 0.5) * groupW
            svg += text(x, Double(top + plotH + 16), "\(1 << b)", anchor: "middle", size: 10)
        }
        svg += text(Double(left + plotW / 2), Double(height - 8), "length bin lower bound (tokens, log2 bins)", anchor: "middle", size: 11)
        svg += legend(r.recipe.sources.map(\.name), x: left + plotW - 150, y: top)
        return svg + "</svg>\n"
    }

    /// Stacked bars: the token composition of each split (per phase).
    static func splitComposition(_ r: BuildReport) -> String {
        let width = 720, height = 60 + 40 * max(1, r.splits.count) + 40, left = 150
        let plotW = width - left - 30
        var svg = header(width, height, title: "Token composition per split")
        for (i, s) in r.splits.enumerated() {
            let y = 50 + i * 40
            let label = r.recipe.hasExplicitPhases ? "\(s.phase)/\(s.name)" : s.name
            svg += text(Double(left - 8), Double(y + 18), "\(label) (\(s.tokens))", anchor: "end", size: 11)
            var x = Double(left)
            for (si, t) in s.sourceTokens.enumerated() where s.tokens > 0 && t > 0 {
                let w = Double(plotW) * Double(t) / Double(s.tokens)
                svg += rect(x, Double(y), w, 26, palette[si % palette.count])
                if w > 40 { svg += text(x + w / 2, Double(y + 17), String(format: "%.1f%%", 100 * Double(t) / Double(s.tokens)), anchor: "middle", size: 10, color: "#ffffff") }
                x += w
            }
        }
        svg += legend(r.recipe.sources.map(\.name), x: left, y: height - 24, horizontal: true)
        return svg + "</svg>\n"
    }

    static func header(_ w: Int, _ h: Int, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"DejaVu Sans, sans-serif\">\n"
            + "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
            + text(Double(w / 2), 22, title, anchor: "middle", size: 14)
    }

    static func axis(left: Int, top: Int, plotW: Int, plotH: Int, peak: Int, label: String) -> String {
        var s = "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\" stroke=\"#333\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" stroke=\"#333\"/>\n"
        for k in 0...4 {
            let v = peak * k / 4
            let y = Double(top + plotH) - Double(plotH) * Double(k) / 4
            s += text(Double(left - 6), y + 4, "\(v)", anchor: "end", size: 10)
        }
        s += text(14, Double(top + plotH / 2), label, anchor: "middle", size: 11, rotate: true)
        return s
    }

    static func legend(_ names: [String], x: Int, y: Int, horizontal: Bool = false) -> String {
        var s = ""
        for (i, n) in names.enumerated() {
            let dx = horizontal ? i * 140 : 0, dy = horizontal ? 0 : i * 16
            s += rect(Double(x + dx), Double(y + dy), 10, 10, palette[i % palette.count])
            s += text(Double(x + dx + 14), Double(y + dy + 9), n, anchor: "start", size: 11)
        }
        return s
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: String) -> String {
        String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>\n", x, y, w, h, color)
    }

    static func text(_ x: Double, _ y: Double, _ t: String, anchor: String, size: Int, color: String = "#222222", rotate: Bool = false) -> String {
        let escaped = t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let transform = rotate ? " transform=\"rotate(-90 \(x) \(y))\"" : ""
        return "<text x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(color)\"\(transform)>\(escaped)</text>\n"
    }
}
