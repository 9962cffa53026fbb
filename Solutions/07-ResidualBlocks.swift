// Chapter 07 · Reference solution for Exercises/07-ResidualBlocks.swift.
import Engine

public typealias Passes = (forward: (Tensor) -> Tensor, backward: (_ outputGradient: Tensor, _ input: Tensor) -> Tensor)

public func residualBlockForward(input x: Tensor, branch: Passes, projection: Passes?) -> Tensor {
    let shortcut = projection?.forward(x) ?? x
    var out = branch.forward(x)
    for i in 0..<out.count { out.scalars[i] = max(0, out.scalars[i] + shortcut.scalars[i]) }
    return out
}

public func residualBlockBackward(outputGradient dout: Tensor, input x: Tensor, branch: Passes, projection: Passes?) -> Tensor {
    // Through the final ReLU: keep dout where the sum F(x) + S(x) was positive.
    let shortcut = projection?.forward(x) ?? x
    let branchOut = branch.forward(x)
    var g = dout
    for i in 0..<g.count where branchOut.scalars[i] + shortcut.scalars[i] <= 0 { g.scalars[i] = 0 }
    // Through the sum: the same g goes down both paths, and their gradients add up at x.
    var dx = branch.backward(g, x)
    let shortcutGradient = projection?.backward(g, x) ?? g
    for i in 0..<dx.count { dx.scalars[i] += shortcutGradient.scalars[i] }
    return dx
}

public func globalAveragePoolForward(input x: Tensor) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var out = Tensor(zeros: [n, c])
    for image in 0..<n {
        for channel in 0..<c {
            var sum: Float = 0
            for row in 0..<h {
                for column in 0..<w { sum += x[image, channel, row, column] }
            }
            out[image, channel] = sum / Float(h * w)
        }
    }
    return out
}

public func globalAveragePoolBackward(outputGradient dout: Tensor, input x: Tensor) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var dx = Tensor(zeros: x.shape)
    for image in 0..<n {
        for channel in 0..<c {
            let share = dout[image, channel] / Float(h * w)
            for row in 0..<h {
                for column in 0..<w { dx[image, channel, row, column] = share }
            }
        }
    }
    return dx
}
