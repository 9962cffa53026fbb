/// A fully connected layer: out = x · W + b.
///
///   x   is (N, in)      a batch of N input vectors
///   W   is (in, out)    column j is the template that scores output j
///   b   is (out)
///   out is (N, out)
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?   // cached by forward for backward

    public var inputSize: Int { weight.value.shape[0] }
    public var outputSize: Int { weight.value.shape[1] }

    /// A layer with the given initial weights (in, out) and biases (out).
    public init(weight: Tensor, bias: Tensor) {
        guard weight.rank == 2, bias.shape == [weight.shape[1]] else {
            fatalError("Linear: weight must be (in, out) and bias (out); got \(weight.shape) and \(bias.shape)")
        }
        self.weight = Parameter("weight", weight)
        self.bias = Parameter("bias", bias)
    }

    /// A layer of all-zero weights and biases (fine for a single linear layer: see chapter 1).
    public convenience init(inputs: Int, outputs: Int) {
        self.init(weight: Tensor(zeros: [inputs, outputs]), bias: Tensor(zeros: [outputs]))
    }

    public var name: String { "linear \(inputSize)→\(outputSize)" }
    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard x.rank == 2, x.shape[1] == inputSize else {
            fatalError("\(name): expected input (N, \(inputSize)), got \(x.shape)")
        }
        if mode == .training { input = x }
        var out = matmul(x, weight.value)                       // (N, out)
        let n = x.shape[0], outs = outputSize
        out.scalars.withUnsafeMutableBufferPointer { o in
            bias.value.scalars.withUnsafeBufferPointer { b in
                for row in 0..<n {
                    for j in 0..<outs { o[row * outs + j] += b[j] }
                }
            }
        }
        return out
    }

    public func backward(_ dout: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward called without a training-mode forward pass") }
        guard dout.shape == [x.shape[0], outputSize] else {
            fatalError("\(name): expected output gradient (\(x.shape[0]), \(outputSize)), got \(dout.shape)")
        }
        matmul(x, dout, transposeA: true, accumulatingInto: &weight.gradient)   // dW += xᵀ · dout   (in, out)
        let n = dout.shape[0], outs = outputSize
        dout.scalars.withUnsafeBufferPointer { d in                              // db += Σ_rows dout  (out)
            bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                for row in 0..<n {
                    for j in 0..<outs { db[j] += d[row * outs + j] }
                }
            }
        }
        return matmul(dout, weight.value, transposeB: true)                      // dx = dout · Wᵀ    (N, in)
    }
}
