/// The one public error of TokenMill.
///
/// Every error names what failed (a file, a line, a byte offset or a key path) and says how to fix
/// it. `code` is open so that later stages can add codes; the CLI maps codes to exit codes.
public struct TokenMillError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A recipe or option is invalid (exit code 2).
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// A file could not be opened, read or written (exit code 3).
        public static let io = Code(rawValue: "io")
        /// Input data is corrupt or truncated (exit code 4).
        public static let corruptInput = Code(rawValue: "corrupt_input")
        /// A counted data problem was turned into an error by `--strict` (exit code 5).
        public static let strict = Code(rawValue: "strict")
        /// An output does not match its manifest (exit code 6).
        public static let integrity = Code(rawValue: "integrity")
        /// The output directory holds a finished build (exit code 7).
        public static let outputExists = Code(rawValue: "output_exists")
        /// An unknown or unsupported format version (exit code 8).
        public static let unsupported = Code(rawValue: "unsupported")
    }

    public var code: Code
    public var message: String
    public var underlying: String?

    public init(_ code: Code, _ message: String, underlying: String? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(message) (\(underlying))" }
        return message
    }

    public var exitCode: Int32 {
        switch code {
        case .invalidConfiguration: return 2
        case .io: return 3
        case .corruptInput: return 4
        case .strict: return 5
        case .integrity: return 6
        case .outputExists: return 7
        case .unsupported: return 8
        default: return 1
        }
    }
}
