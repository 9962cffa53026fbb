/// ResNet-style networks for 28×28 images, after the ResNet paper's small-image networks
/// (depth 6n + 2: one stem convolution, 3 stages of n two-convolution blocks, one classifier):
///
///   (N, 784) → view as (N, 1, 28, 28)
///   stem     conv 3×3 1→w₁ (stride 2 by default: 28×28 → 14×14) → BN → ReLU
///   stage 1  n blocks w₁→w₁                                        14×14
///   stage 2  a block w₁→w₂ stride 2 (projection shortcut), n − 1 blocks w₂→w₂   7×7
///   stage 3  a block w₂→w₃ stride 2 (projection shortcut), n − 1 blocks w₃→w₃   4×4
///   global average pool → w₃ features → fully connected 10
///
/// `shortcuts: false` builds the same layers as plain blocks (no shortcut, no projection): a plain
/// and a residual network of the same depth differ in nothing else, and from the same seed they
/// start from the same weights. Kaiming (He) normal initialization throughout.
extension Models {
    public struct ResNetShape: Sendable, Equatable {
        /// n: two-convolution blocks per stage; depth 6n + 2.
        public var blocksPerStage: Int
        /// The channels of the stem and stage 1, stage 2, stage 3.
        public var widths: [Int]
        public var stemStride: Int
        public var shortcuts: Bool
        public var batchNorm: Bool

        public init(blocksPerStage: Int, widths: [Int] = [16, 32, 64], stemStride: Int = 2, shortcuts: Bool = true, batchNorm: Bool = true) {
            self.blocksPerStage = blocksPerStage
            self.widths = widths
            self.stemStride = stemStride
            self.shortcuts = shortcuts
            self.batchNorm = batchNorm
        }

        /// The number of layers with weights: stem, 2 convolutions per block, the classifier.
        public var depth: Int { 6 * blocksPerStage + 2 }

        /// n for a depth 6n + 2, or nil when the depth is not of that form.
        public static func blocksPerStage(depth: Int) -> Int? {
            depth >= 8 && (depth - 2) % 6 == 0 ? (depth - 2) / 6 : nil
        }
    }

    public static func resNet(_ shape: ResNetShape, seed: UInt64) -> Sequential {
        guard shape.blocksPerStage >= 1, shape.widths.count == 3, shape.widths.allSatisfy({ $0 > 0 }), shape.stemStride >= 1 else {
            fatalError("Models.resNet: need at least 1 block per stage, 3 positive widths and a stem stride of at least 1; got \(shape)")
        }
        var rng = RandomSource(seed: seed ^ initializationStream)
        let stemConv = Conv2D(inputChannels: 1, outputChannels: shape.widths[0], kernelSize: 3, stride: shape.stemStride,
                              padding: .same, weights: .kaimingNormal, usesBias: !shape.batchNorm, rng: &rng)
        var layers: [any Layer] = [Reshape(to: [1, 28, 28]), firstLayer(stemConv)]
        if shape.batchNorm { layers.append(BatchNorm(channels: shape.widths[0])) }
        layers.append(ReLU())
        var channels = shape.widths[0]
        for (stage, width) in shape.widths.enumerated() {
            for block in 0..<shape.blocksPerStage {
                let stride = stage > 0 && block == 0 ? 2 : 1    // stages 2 and 3 start by halving H and W
                layers.append(ResidualBlock(inputChannels: channels, outputChannels: width, stride: stride,
                                            shortcut: shape.shortcuts, batchNorm: shape.batchNorm, rng: &rng))
                channels = width
            }
        }
        layers.append(GlobalAveragePool())
        layers.append(Linear(inputs: channels, outputs: 10, weights: .kaimingNormal, rng: &rng))
        return Sequential(layers)
    }
}
