/// Output resolutions, named as in the DeepSynth Q&A datasets: the page width in pixels and the
/// context window (tokens either side of the answer) used when a long document is cut.
///
/// The names follow DeepSynth's convention, not DeepSeek-OCR's modes exactly: DeepSeek-OCR's
/// real "Gundam" mode tiles a page into 640 × 640 crops plus one 1024 × 1024 global view; here
/// `gundam` only means a 1,600-pixel-wide page.
public enum Resolution: String, Sendable, CaseIterable {
    case tiny, small, base, large, gundam

    /// Page width in pixels.
    public var width: Int {
        switch self {
        case .tiny: return 512
        case .small: return 640
        case .base: return 1024
        case .large: return 1280
        case .gundam: return 1600
        }
    }

    /// Tokens kept either side of the answer when a document is cut.
    public var contextWindow: Int {
        switch self {
        case .tiny: return 256
        case .small: return 320
        case .base: return 512
        case .large: return 640
        case .gundam: return 800
        }
    }

    /// Font size in pixels: about 100 characters per line at every width.
    public var fontPixels: Double { Double(width) / 62.5 }

    /// Margin on every side, in pixels.
    public var margin: Int { width / 32 }
}
