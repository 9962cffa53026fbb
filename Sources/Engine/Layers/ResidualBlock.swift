/// The building block of a ResNet, and, with `shortcut: false`, the "plain" block it is compared to:
///
///   main path   x → conv 3×3 (stride s) → BN → ReLU → conv 3×3 → BN  =  F(x)
///   shortcut    x itself (identity), or conv 1×1 stride s → BN (projection) when the block
///               changes the shape: stride 2 halves H and W while the channels double
///   out         ReLU(F(x) + shortcut(x))        residual block
///               ReLU(F(x))                      plain block: the same layers, no shortcut
///
///   x is (N, Cin, H, W); out is (N, Cout, Ho, Wo) with Ho = (H − 1) / s + 1
///
/// With the identity, the block only has to learn the residual F(x) = H(x) − x: doing nothing
/// means F = 0, which small weights are already close to. Backward, the gradient of a sum goes
/// to both terms unchanged, so ∂L/∂out reaches x through the shortcut whatever F does to it.
/// `batchNorm: false` leaves out every BN (the convolutions then keep their biases).
public final class ResidualBlock: Layer {
    public let main: Sequential
    /// The 1×1 projection (+BN) on the shortcut, when the shape changes; nil: identity or no shortcut.
    public let projection: Sequential?
    public let hasShortcut: Bool
    public let inputChannels: Int, outputChannels: Int, stride: Int
    private let finalReLU = ReLU()

    public init(inputChannels: Int, outputChannels: Int, stride: Int = 1, shortcut: Bool = true,
                batchNorm: Bool = true, rng: inout RandomSource) {
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ s: Int) -> [any Layer] {
            let c = Conv2D(inputChannels: cin, outputChannels: cout, kernelSize: k, stride: s, padding: .same,
                           weights: .kaimingNormal, usesBias: !batchNorm, rng: &rng)
            return batchNorm ? [c, BatchNorm(channels: cout)] : [c]
        }
        main = Sequential(conv(inputChannels, outputChannels, 3, stride) + [ReLU()] + conv(outputChannels, outputChannels, 3, 1))
        // The projection's weights are drawn even for a plain block, and dropped: plain and residual
        // networks built from the same seed then share every other initial weight.
        let changesShape = stride != 1 || inputChannels != outputChannels
        let projectionLayers = changesShape ? conv(inputChannels, outputChannels, 1, stride) : nil
        projection = shortcut ? projectionLayers.map(Sequential.init) : nil
        hasShortcut = shortcut
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.stride = stride
    }

    public var name: String {
        let bn = main.layers.contains { $0 is BatchNorm } ? "" : ", no BN"
        return (hasShortcut ? "residual" : "plain") + " block \(inputChannels)→\(outputChannels)"
            + (stride == 1 ? "" : " stride \(stride)") + (projection == nil ? "" : " + 1×1 projection") + bn
    }
    public var parameters: [Parameter] { main.parameters + (projection?.parameters ?? []) }

    public func outputShape(for inputShape: [Int]) -> [Int] { main.outputShape(for: inputShape) }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        var sum = main.forward(x, mode: mode)                     // F(x), (N, Cout, Ho, Wo)
        if hasShortcut {
            let shortcut = projection?.forward(x, mode: mode) ?? x
            guard shortcut.shape == sum.shape else {
                fatalError("\(name): the shortcut's shape \(shortcut.shape) does not match the main path's \(sum.shape) (input \(x.shape))")
            }
            sum.add(shortcut)                                     // F(x) + x
        }
        return finalReLU.forward(sum, mode: mode)
    }

    public func backward(_ dout: Tensor) -> Tensor {
        let dSum = finalReLU.backward(dout)                       // ∂L/∂(F(x) + x)
        var dx = main.backward(dSum)                              // through F
        if hasShortcut { dx.add(projection?.backward(dSum) ?? dSum) }   // plus, straight back through the shortcut
        return dx
    }
}
