// Chapter 01 · Reference solution for Exercises/01-Linear.swift.
import Engine

public func linearForward(input x: Tensor, weight W: Tensor, bias b: Tensor) -> Tensor {
    let n = x.shape[0], d = x.shape[1], m = W.shape[1]
    var out = Tensor(zeros: [n, m])                       // out is (N, M)
    for row in 0..<n {
        for j in 0..<m {
            var sum = b[j]
            for i in 0..<d { sum += x[row, i] * W[i, j] }
            out[row, j] = sum
        }
    }
    return out
}

public func linearBackward(outputGradient dout: Tensor, input x: Tensor, weight W: Tensor)
    -> (input: Tensor, weight: Tensor, bias: Tensor) {
    let n = x.shape[0], d = x.shape[1], m = W.shape[1]
    var dx = Tensor(zeros: [n, d])                        // dout · Wᵀ   (N, D)
    var dW = Tensor(zeros: [d, m])                        // xᵀ · dout   (D, M)
    var db = Tensor(zeros: [m])                           // Σ over rows (M)
    for row in 0..<n {
        for j in 0..<m {
            let g = dout[row, j]
            db[j] += g
            for i in 0..<d {
                dx[row, i] += g * W[i, j]
                dW[i, j] += x[row, i] * g
            }
        }
    }
    return (dx, dW, db)
}
