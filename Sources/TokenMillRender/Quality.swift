/// Readability labels from a rendered page's height in pixels (inclusive upper bounds), with
/// DeepSynth's descriptions.
public enum Quality: String, Sendable, CaseIterable {
    case excellent, good, medium, poor, unreadable

    public static let bounds: [(Quality, Int)] = [(.excellent, 2200), (.good, 3300), (.medium, 5000), (.poor, 8800)]

    public init(height: Int) {
        self = Self.bounds.first { height <= $0.1 }?.0 ?? .unreadable
    }

    public var description: String {
        switch self {
        case .excellent: return "Optimal readability (≤2200px)"
        case .good: return "Good readability (2200-3300px)"
        case .medium: return "Medium readability (3300-5000px)"
        case .poor: return "Poor readability (5000-8800px)"
        case .unreadable: return "Text too small (>8800px)"
        }
    }
}
