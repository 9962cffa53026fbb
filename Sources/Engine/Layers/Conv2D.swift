/// How much zero padding a convolution adds on each side of the image.
public enum Padding: Sendable, Equatable, ExpressibleByIntegerLiteral {
    /// No padding: each side of the output shrinks by K − 1.
    case valid
    /// P = (K − 1) / 2: at stride 1 the output keeps the input's height and width (odd K).
    case same
    /// P pixels of zeros on every side.
    case explicit(Int)

    public init(integerLiteral value: Int) { self = .explicit(value) }

    /// The padding P for a kernel of size K.
    public func amount(kernelSize: Int) -> Int {
        switch self {
        case .valid: 0
        case .same: (kernelSize - 1) / 2
        case .explicit(let p): p
        }
    }
}

/// A 2-D convolution: Cout filters, each Cin × K × K, slid over the image with a stride.
///
///   x   is (N, Cin, H, W)
///   W   is (Cout, Cin, K, K)    every filter spans the full input depth
///   b   is (Cout)               one bias per filter
///   out is (N, Cout, Ho, Wo)    Ho = (H − K + 2P) / S + 1, likewise Wo
///
///   out[n, co, oy, ox] = b[co] + Σ_{ci, ky, kx} W[co, ci, ky, kx] · x[n, ci, oy·S − P + ky, ox·S − P + kx]
///
/// The same K·K·Cin weights are used at every position (weight sharing), so a shifted input gives
/// a shifted output (translation equivariance). The work is done by im2col + GEMM in
/// Kernels/Convolution.swift.
public final class Conv2D: Layer {
    public let weight: Parameter
    /// Kept at zero and left out of `parameters` when the layer is built `usesBias: false`
    /// (a convolution followed by batch norm: the norm subtracts any bias right away). Its gradient
    /// is still summed by the kernel, and ignored: no optimizer sees it.
    public let bias: Parameter
    public let usesBias: Bool
    public let stride: Int
    public let padding: Int
    /// False for a network's first layer, whose input is the images: nothing reads ∂loss/∂images,
    /// so backward skips computing it (a third of the layer's backward work) and returns zeros.
    public var needsInputGradient = true
    private var input: Tensor?   // cached by forward for backward

    public var inputChannels: Int { weight.value.shape[1] }
    public var outputChannels: Int { weight.value.shape[0] }
    public var kernelSize: Int { weight.value.shape[2] }

    /// A convolution with the given filters (Cout, Cin, K, K) and biases (Cout).
    public init(weight: Tensor, bias: Tensor, stride: Int = 1, padding: Int = 0, usesBias: Bool = true) {
        guard weight.rank == 4, weight.shape[2] == weight.shape[3], bias.shape == [weight.shape[0]],
              weight.shape.allSatisfy({ $0 > 0 }) else {
            fatalError("Conv2D: weight must be (Cout, Cin, K, K) with a square K×K kernel and bias (Cout); got \(weight.shape) and \(bias.shape)")
        }
        guard stride >= 1, padding >= 0 else {
            fatalError("Conv2D: stride must be at least 1 and padding at least 0; got stride \(stride), padding \(padding)")
        }
        self.weight = Parameter("weight", weight)
        self.bias = Parameter("bias", usesBias ? bias : Tensor(zeros: bias.shape))
        self.usesBias = usesBias
        self.stride = stride
        self.padding = padding
    }

    /// A convolution with freshly initialized filters. fan-in is Cin·K·K, fan-out Cout·K·K.
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                            padding: Padding = .valid, weights: Initializer = .kaimingNormal,
                            biases: Initializer = .zeros, usesBias: Bool = true, rng: inout RandomSource) {
        let fanIn = inputChannels * kernelSize * kernelSize, fanOut = outputChannels * kernelSize * kernelSize
        self.init(weight: weights.tensor([outputChannels, inputChannels, kernelSize, kernelSize],
                                         fanIn: fanIn, fanOut: fanOut, rng: &rng),
                  bias: biases.tensor([outputChannels], fanIn: fanIn, fanOut: fanOut, rng: &rng),
                  stride: stride, padding: padding.amount(kernelSize: kernelSize), usesBias: usesBias)
    }

    public var name: String {
        "conv \(kernelSize)×\(kernelSize) \(inputChannels)→\(outputChannels)"
            + (stride == 1 ? "" : " stride \(stride)") + (padding == 0 ? "" : " pad \(padding)") + (usesBias ? "" : " no bias")
    }
    public var parameters: [Parameter] { usesBias ? [weight, bias] : [weight] }

    /// The kernel's view of an input of `shape`; stops with a message naming the layer and the
    /// shapes when the input does not fit.
    private func convolutionShape(for shape: [Int]) -> ConvolutionShape {
        guard shape.count == 4, shape[1] == inputChannels else {
            fatalError("\(name): expected input (N, \(inputChannels), H, W), got \(shape)")
        }
        let s = ConvolutionShape(batch: shape[0], inputChannels: shape[1], inputHeight: shape[2], inputWidth: shape[3],
                                 outputChannels: outputChannels, kernelSize: kernelSize, stride: stride, padding: padding)
        guard shape[2] + 2 * padding >= kernelSize, shape[3] + 2 * padding >= kernelSize else {
            fatalError("\(name): the \(kernelSize)×\(kernelSize) kernel does not fit in the \(shape[2])×\(shape[3]) input "
                + "with padding \(padding) (input \(shape)); output size (W − K + 2P)/S + 1 would be below 1")
        }
        return s
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let s = convolutionShape(for: inputShape)
        return [s.batch, s.outputChannels, s.outputHeight, s.outputWidth]
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let s = convolutionShape(for: x.shape)
        input = mode == .training ? x : nil
        return Tensor(uninitializedShape: [s.batch, s.outputChannels, s.outputHeight, s.outputWidth]) { out in
            x.scalars.withUnsafeBufferPointer { x in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    bias.value.scalars.withUnsafeBufferPointer { b in
                        convolutionForward(s, input: x.baseAddress!, weight: w.baseAddress!, bias: b.baseAddress!,
                                           output: out.baseAddress!)
                    }
                }
            }
        }
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        let s = convolutionShape(for: x.shape)
        guard dout.shape == [s.batch, s.outputChannels, s.outputHeight, s.outputWidth] else {
            fatalError("\(name): expected output gradient \([s.batch, s.outputChannels, s.outputHeight, s.outputWidth]), got \(dout.shape)")
        }
        let needsInputGradient = needsInputGradient
        return Tensor(uninitializedShape: x.shape) { dx in
            if !needsInputGradient { dx.update(repeating: 0) }
            x.scalars.withUnsafeBufferPointer { x in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    dout.scalars.withUnsafeBufferPointer { dy in
                        weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                            bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                                convolutionBackward(s, input: x.baseAddress!, weight: w.baseAddress!,
                                                    outputGradient: dy.baseAddress!,
                                                    inputGradient: needsInputGradient ? dx.baseAddress! : nil,
                                                    weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }
}
