import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

extension TokenCache {
    /// The result of `check`.
    public struct CheckReport: Sendable {
        public var rowsChecked = 0
        public var mismatches: [String] = []
    }

    /// Re-encodes `rows` rows (evenly spread over the manifest, first and last included) with
    /// `tokenizer` and compares them with the cache. Fails first, with an integrity error, when
    /// the tokenizer's or the manifest's sha256 is not the one the cache was made from.
    public static func check(directory: String, tokenizer: any Tokenizer, manifestPath: String? = nil, rows wanted: Int = 1000) throws -> CheckReport {
        let metaPath = directory + "/" + metaFile
        guard let data = FileManager.default.contents(atPath: metaPath) else {
            throw TokenMillError(.io, "\(metaPath): no token cache here; make one with `tokenmill encode-manifest`")
        }
        let meta = try JSONScanner.parse(Array(data))
        guard meta["format"]?.stringValue == format, meta["format_version"]?.intValue == formatVersion else {
            throw TokenMillError(.unsupported, "\(metaPath): not a \(format) version \(formatVersion) file")
        }
        let expectedTokenizer = meta["tokenizer"]?["sha256"]?.stringValue ?? ""
        guard tokenizer.fingerprint == expectedTokenizer else {
            throw TokenMillError(.integrity, "\(directory): the cache was encoded with tokenizer sha256 \(expectedTokenizer), and \(tokenizer.name) has \(tokenizer.fingerprint); pass the same tokenizer file, or encode again")
        }
        let manifest = manifestPath ?? meta["manifest"]?["path"]?.stringValue ?? ""
        let (manifestSHA, _) = try Verifier.hashFile(manifest)
        guard manifestSHA == meta["manifest"]?["sha256"]?.stringValue else {
            throw TokenMillError(.integrity, "\(manifest): its sha256 \(manifestSHA) is not the one the cache was encoded from; the manifest changed: encode again")
        }
        let options = Options(addBOS: meta["add_bos"] == .bool(true), addEOS: meta["add_eos"] == .bool(true), jobs: 1)
        let parsed = try readManifest(manifest)
        var report = CheckReport()
        let encoder = tokenizer.makeEncoder()
        var files: [(side: String, tokens: MappedNpy, offsets: MappedNpy)] = []
        for side in parsed.sides {
            let tokens = try MappedNpy(path: directory + "/\(side).tokens.npy")
            let offsets = try MappedNpy(path: directory + "/\(side).offsets.npy")
            guard offsets.count == parsed.rows.count + 1 else {
                throw TokenMillError(.integrity, "\(offsets.path): \(offsets.count) offsets for \(parsed.rows.count) manifest rows")
            }
            files.append((side, tokens, offsets))
        }
        let n = parsed.rows.count
        let count = min(max(wanted, 1), n)
        var picked: [Int] = []
        for i in 0..<count {
            let r = count == 1 ? 0 : i * (n - 1) / (count - 1)
            if picked.last != r { picked.append(r) }
        }
        var expected: [UInt32] = [], cached: [UInt32] = []
        for r in picked {
            for (s, file) in files.enumerated() {
                expected.removeAll(keepingCapacity: true)
                cached.removeAll(keepingCapacity: true)
                encode(parsed.rows[r].texts[s], with: encoder, tokenizer: tokenizer, options: options, into: &expected)
                file.tokens.appendIDs(file.offsets[r]..<file.offsets[r + 1], to: &cached)
                if expected != cached {
                    let at = zip(expected, cached).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, cached.count)
                    report.mismatches.append("row \(r + 1) \(file.side): \(cached.count) cached ids, \(expected.count) re-encoded; first difference at id \(at)")
                }
            }
            report.rowsChecked += 1
        }
        return report
    }
}
