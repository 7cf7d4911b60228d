/// A sequence-length curriculum: stages `(fraction, length)` over `totalSteps`. Step `s` uses
/// the length of the first stage whose end, `round(fraction × totalSteps)`, lies after `s`
/// (steps past the end use the last stage). `[(0.30, 256), (0.70, 512), (1.00, 1024)]` over
/// 50,000 steps gives 256 for steps 0–14,999, 512 for 15,000–34,999, 1024 from 35,000.
public struct Curriculum: Sendable, Equatable {
    public var stages: [(fraction: Double, length: Int)]
    public var totalSteps: Int

    public init(stages: [(fraction: Double, length: Int)], totalSteps: Int) {
        precondition(!stages.isEmpty && totalSteps > 0, "a curriculum needs stages and a positive step count")
        precondition(zip(stages, stages.dropFirst()).allSatisfy { $0.fraction < $1.fraction }, "stage fractions must increase")
        self.stages = stages
        self.totalSteps = totalSteps
    }

    /// A single length for every step.
    public static func constant(_ length: Int) -> Curriculum { Curriculum(stages: [(1.0, length)], totalSteps: 1) }

    /// The last step (exclusive) of each stage.
    public var stageEnds: [Int] { stages.map { Int(($0.fraction * Double(totalSteps)).rounded()) } }

    public func length(atStep step: Int) -> Int {
        for (end, stage) in zip(stageEnds, stages) where step < end { return stage.length }
        return stages[stages.count - 1].length
    }

    /// The longest length of any stage.
    public var maxLength: Int { stages.map(\.length).max()! }

    public static func == (a: Curriculum, b: Curriculum) -> Bool {
        a.totalSteps == b.totalSteps && a.stages.count == b.stages.count && zip(a.stages, b.stages).allSatisfy { $0 == $1 }
    }
}
