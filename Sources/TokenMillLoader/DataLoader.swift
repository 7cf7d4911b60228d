import TokenMillCore

/// Where a `DataLoader` is: enough to continue exactly where it stopped. An epoch's batch order
/// is a pure function of `(seed, epoch)` and the dataset, so `position` (batches already
/// served in `epoch`) is all the progress there is.
public struct LoaderState: Sendable, Equatable, Codable {
    public var seed: UInt64
    public var epoch: Int
    public var position: Int
    /// The dataset's size when the state was saved (checked on restore).
    public var datasetCount: Int

    public init(seed: UInt64, epoch: Int = 0, position: Int = 0, datasetCount: Int) {
        self.seed = seed
        self.epoch = epoch
        self.position = position
        self.datasetCount = datasetCount
    }

    /// `{"seed":…, "epoch":…, "position":…, "dataset_count":…}`.
    public var json: String {
        JSONValue.object([("seed", .string(String(seed))), ("epoch", .int(Int64(epoch))), ("position", .int(Int64(position))),
                          ("dataset_count", .int(Int64(datasetCount)))]).serialized(pretty: false)
    }

    public init(json: String) throws {
        let v = try JSONScanner.parse(json)
        guard let s = v["seed"]?.stringValue.flatMap(UInt64.init), let e = v["epoch"]?.intValue, let p = v["position"]?.intValue,
              let c = v["dataset_count"]?.intValue else {
            throw TokenMillError(.corruptInput, "loader state: expected seed (string), epoch, position and dataset_count")
        }
        self.init(seed: s, epoch: Int(e), position: Int(p), datasetCount: Int(c))
    }
}

/// Batches over a `TokenDataset`: seeded shuffling per epoch, optional length bucketing,
/// `dropLast`, a number of epochs, and a `LoaderState` that saves and restores mid-epoch.
///
/// Epoch `e`'s order: indices shuffled by SplitMix64 seeded with `mix(seed ⊕ mix(e + 1))`
/// (or in order without shuffling). With `bucketSize` M, that order is cut into buckets of M,
/// each sorted by length (longest first; ties keep their order), cut into batches, and the
/// batches shuffled with the same generator, so a batch holds examples of similar length.
public struct DataLoader<Dataset: TokenDataset>: Sendable {
    public struct Options: Sendable {
        public var batchSize: Int
        public var shuffle = true
        public var seed: UInt64 = 0
        public var dropLast = false
        /// Length bucketing: sort within buckets of this many examples.
        public var bucketSize: Int? = nil
        /// Epochs to serve; `nil` serves forever.
        public var epochs: Int? = 1
        public var collator = Collator()
        /// Give the collator each example's document starts (packed rows).
        public var documentBoundaries = false

        public init(batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false, bucketSize: Int? = nil,
                    epochs: Int? = 1, collator: Collator = Collator(), documentBoundaries: Bool = false) {
            self.batchSize = batchSize
            self.shuffle = shuffle
            self.seed = seed
            self.dropLast = dropLast
            self.bucketSize = bucketSize
            self.epochs = epochs
            self.collator = collator
            self.documentBoundaries = documentBoundaries
        }
    }

    public let dataset: Dataset
    public let options: Options
    public private(set) var state: LoaderState
    private var order: [[Int]]

    public init(dataset: Dataset, options: Options, state: LoaderState? = nil) throws {
        precondition(options.batchSize > 0, "batchSize must be positive")
        if let s = state {
            guard s.datasetCount == dataset.count else {
                throw TokenMillError(.invalidConfiguration, "loader state: saved over \(s.datasetCount) examples, and the dataset has \(dataset.count)")
            }
            guard s.seed == options.seed else {
                throw TokenMillError(.invalidConfiguration, "loader state: saved with seed \(s.seed), and the options say \(options.seed)")
            }
        }
        self.dataset = dataset
        self.options = options
        self.state = state ?? LoaderState(seed: options.seed, datasetCount: dataset.count)
        order = []
        order = batches(epoch: self.state.epoch)
    }

    /// The batches of `epoch`, as dataset indices.
    public func batches(epoch: Int) -> [[Int]] {
        var indices = Array(0..<dataset.count)
        var rng = SplitMix64(seed: SplitMix64.mix(options.seed ^ SplitMix64.mix(UInt64(epoch) &+ 1)))
        if options.shuffle { rng.shuffle(&indices) }
        if let m = options.bucketSize, m > 1 {
            var sorted: [Int] = []
            sorted.reserveCapacity(indices.count)
            var start = 0
            while start < indices.count {
                let bucket = indices[start..<min(start + m, indices.count)]
                sorted += bucket.enumerated().sorted { a, b in
                    let la = dataset.length(a.element), lb = dataset.length(b.element)
                    return la != lb ? la > lb : a.offset < b.offset
                }.map(\.element)
                start += m
            }
            indices = sorted
        }
        var out: [[Int]] = []
        var start = 0
        while start < indices.count {
            let end = min(start + options.batchSize, indices.count)
            if end - start == options.batchSize || !options.dropLast { out.append(Array(indices[start..<end])) }
            start = end
        }
        if options.bucketSize != nil && options.shuffle { rng.shuffle(&out) }
        return out
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { order.count }

    /// The next batch, or `nil` when the last epoch is done.
    public mutating func next() -> Batch? {
        while state.position >= order.count {
            if let e = options.epochs, state.epoch + 1 >= e { return nil }
            if order.isEmpty { return nil }
            state.epoch += 1
            state.position = 0
            order = batches(epoch: state.epoch)
        }
        let indices = order[state.position]
        state.position += 1
        var examples: [[UInt32]] = []
        examples.reserveCapacity(indices.count)
        for i in indices { examples.append(dataset[i]) }
        let starts = options.documentBoundaries ? indices.map { dataset.documentStarts($0) } : nil
        return options.collator.collate(examples, documentStarts: starts, indices: indices)
    }
}
