import Foundation
import TokenMillCore
import TokenMillCuration

/// The language-ID model that ships with TokenMill (`Resources/langid.tmlid`, trained by
/// `tokenmill train-langid` on Debian's gettext catalogs; see models/langid/PROVENANCE.md).
public enum LanguageModels {
    nonisolated(unsafe) private static var cached: LanguageIdentifier?
    private static let lock = NSLock()

    /// Where the bundled model is looked for: `TOKENMILL_LANGID_MODEL`, the resource folder
    /// SwiftPM copies beside the executable, then the source tree this binary was built from.
    public static var candidatePaths: [String] {
        var paths: [String] = []
        if let env = ProcessInfo.processInfo.environment["TOKENMILL_LANGID_MODEL"], !env.isEmpty { paths.append(env) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent().path
        paths.append(executable + "/TokenMill_TokenMillCorpus.resources/langid.tmlid")
        paths.append(Bundle.main.bundlePath + "/TokenMill_TokenMillCorpus.resources/langid.tmlid")
        paths.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Resources/langid.tmlid")
        return paths
    }

    nonisolated(unsafe) private static var files: [String: LanguageIdentifier] = [:]

    /// A model file, loaded once per path.
    public static func load(path: String) throws -> LanguageIdentifier {
        lock.lock()
        defer { lock.unlock() }
        if let m = files[path] { return m }
        let model = try LanguageIdentifier(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
        files[path] = model
        return model
    }

    /// The bundled model, loaded once.
    public static func bundled() throws -> LanguageIdentifier {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        for path in candidatePaths where FileManager.default.fileExists(atPath: path) {
            let model = try LanguageIdentifier(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
            cached = model
            return model
        }
        throw TokenMillError(.invalidConfiguration,
                             "no language-ID model found (looked at \(candidatePaths.joined(separator: ", "))); give one with --model / lang_model, or set TOKENMILL_LANGID_MODEL")
    }
}
