/// The constructors a model is built from: the engine's layers by default. A lesson can swap in
/// other implementations (the learner's own, from the exercises) without touching the
/// architecture; the initial weights are drawn by the model either way, so runs stay comparable.
public struct LayerSet {
    /// A convolution from its filters (Cout, Cin, K, K), biases (Cout), stride and padding.
    public var convolution: (_ weight: Tensor, _ bias: Tensor, _ stride: Int, _ padding: Int) -> any Layer
    /// A fully connected layer from its weights (in, out) and biases (out).
    public var linear: (_ weight: Tensor, _ bias: Tensor) -> any Layer
    public var relu: () -> any Layer
    public var maxPool: (_ size: Int, _ stride: Int) -> any Layer
    public var dropout: (_ keepProbability: Float, _ seed: UInt64) -> any Layer

    public init(convolution: @escaping (Tensor, Tensor, Int, Int) -> any Layer,
                linear: @escaping (Tensor, Tensor) -> any Layer,
                relu: @escaping () -> any Layer,
                maxPool: @escaping (Int, Int) -> any Layer,
                dropout: @escaping (Float, UInt64) -> any Layer) {
        self.convolution = convolution
        self.linear = linear
        self.relu = relu
        self.maxPool = maxPool
        self.dropout = dropout
    }

    /// The engine's own layers.
    public static var engine: LayerSet {
        LayerSet(convolution: { Conv2D(weight: $0, bias: $1, stride: $2, padding: $3) },
                 linear: { Linear(weight: $0, bias: $1) },
                 relu: { ReLU() },
                 maxPool: { MaxPool2D(size: $0, stride: $1) },
                 dropout: { Dropout(keepProbability: $0, seed: $1) })
    }
}

/// The convolutional networks of lessons 04 and 05. Inputs are batches of flattened 28×28
/// images, (N, 784); outputs are 10 logits per image.
public enum Models {
    /// The 2017 TensorFlow tutorial's network (lesson 04), 3,274,634 parameters:
    ///
    ///   (N, 784) → view as (N, 1, 28, 28)
    ///   conv 5×5, 32 filters, same padding + ReLU → 28×28×32 → max-pool 2×2 → 14×14×32
    ///   conv 5×5, 64 filters, same padding + ReLU → 14×14×64 → max-pool 2×2 →  7×7×64
    ///   flatten → 3136 → fully connected 1024 + ReLU [→ dropout] → fully connected 10
    ///
    /// Why its first loss is far above ln 10 (the step-1 line of lessons 04 and 05 says it): summed
    /// over thousands of inputs, weights of standard deviation 0.1 and biases of 0.1 give large scores,
    /// so softmax puts nearly all its probability on one class, most often the wrong one.
    public static let tutorialCNNFirstLoss = "a random CNN with weights of standard deviation 0.1 and biases 0.1 "
        + "gives large scores, confidently wrong rather than evenly unsure"

    /// Weights: truncated normal with standard deviation 0.1; biases 0.1. With `keepProbability`
    /// below 1, dropout on the 1,024 activations (lesson 05).
    public static func tutorialCNN(keepProbability: Float = 1, seed: UInt64, layers: LayerSet = .engine) -> Sequential {
        var rng = RandomSource(seed: seed ^ initializationStream)
        let weights = Initializer.truncatedNormal(standardDeviation: 0.1), biases = Initializer.constant(0.1)
        func conv(_ cin: Int, _ cout: Int) -> any Layer {    // 5×5, stride 1, "same" padding 2
            layers.convolution(weights.tensor([cout, cin, 5, 5], fanIn: cin * 25, fanOut: cout * 25, rng: &rng),
                               biases.tensor([cout], fanIn: cin * 25, fanOut: cout * 25, rng: &rng), 1, 2)
        }
        func linear(_ inputs: Int, _ outputs: Int) -> any Layer {
            layers.linear(weights.tensor([inputs, outputs], fanIn: inputs, fanOut: outputs, rng: &rng),
                          biases.tensor([outputs], fanIn: inputs, fanOut: outputs, rng: &rng))
        }
        return Sequential([
            Reshape(to: [1, 28, 28]),                          // (N, 784) → (N, 1, 28, 28)
            firstLayer(conv(1, 32)), layers.relu(), layers.maxPool(2, 2),  // → 14×14×32
            conv(32, 64), layers.relu(), layers.maxPool(2, 2), // →  7×7×64
            Flatten(),                                         // → 3136
            linear(7 * 7 * 64, 1024), layers.relu(),
        ] + (keepProbability < 1 ? [layers.dropout(keepProbability, seed)] : []) + [   // lesson 05
            linear(1024, 10),
        ])
    }

    /// The SimpleCNN write-up's network, 421,642 parameters:
    ///
    ///   conv 3×3, 32 filters, padding 1 + ReLU + max-pool 2×2 → 14×14×32
    ///   conv 3×3, 64 filters, padding 1 + ReLU + max-pool 2×2 →  7×7×64
    ///   flatten → fully connected 128 + ReLU → dropout (keep 0.5) → fully connected 10
    ///
    /// Xavier (Glorot) uniform weights, zero biases.
    public static func simpleCNN(keepProbability: Float = 0.5, seed: UInt64, layers: LayerSet = .engine) -> Sequential {
        var rng = RandomSource(seed: seed ^ initializationStream)
        func conv(_ cin: Int, _ cout: Int) -> any Layer {    // 3×3, stride 1, padding 1
            layers.convolution(Initializer.xavierUniform.tensor([cout, cin, 3, 3], fanIn: cin * 9, fanOut: cout * 9, rng: &rng),
                               Tensor(zeros: [cout]), 1, 1)
        }
        func linear(_ inputs: Int, _ outputs: Int) -> any Layer {
            layers.linear(Initializer.xavierUniform.tensor([inputs, outputs], fanIn: inputs, fanOut: outputs, rng: &rng),
                          Tensor(zeros: [outputs]))
        }
        return Sequential([
            Reshape(to: [1, 28, 28]),
            firstLayer(conv(1, 32)), layers.relu(), layers.maxPool(2, 2),
            conv(32, 64), layers.relu(), layers.maxPool(2, 2),
            Flatten(),
            linear(7 * 7 * 64, 128), layers.relu(),
        ] + (keepProbability < 1 ? [layers.dropout(keepProbability, seed)] : []) + [
            linear(128, 10),
        ])
    }

    /// The layer that sees the images: nobody needs the gradient with respect to them, so an
    /// engine convolution there skips computing it (the results are the same, the step faster).
    static func firstLayer(_ layer: any Layer) -> any Layer {
        (layer as? Conv2D)?.needsInputGradient = false
        return layer
    }

    /// Initial weights get their own random stream, distinct from the batch order's (same --seed).
    static let initializationStream: UInt64 = 0x1A17_5EED_0000_0001
}
