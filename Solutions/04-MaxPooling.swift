// Chapter 04 · Reference solution for Exercises/04-MaxPooling.swift.
import Engine

public func maxPoolForward(input x: Tensor, size: Int, stride: Int) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h - size) / stride + 1, ow = (w - size) / stride + 1
    var out = Tensor(zeros: [n, c, oh, ow])
    for image in 0..<n {
        for channel in 0..<c {
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Float.infinity
                    for di in 0..<size {
                        for dj in 0..<size {
                            best = max(best, x[image, channel, i * stride + di, j * stride + dj])
                        }
                    }
                    out[image, channel, i, j] = best
                }
            }
        }
    }
    return out
}

public func maxPoolBackward(outputGradient dout: Tensor, input x: Tensor, size: Int, stride: Int) -> Tensor {
    let (n, c) = (x.shape[0], x.shape[1])
    let (oh, ow) = (dout.shape[2], dout.shape[3])
    var dx = Tensor(zeros: x.shape)
    for image in 0..<n {
        for channel in 0..<c {
            for i in 0..<oh {
                for j in 0..<ow {
                    // Find the window's winner again, then route the whole gradient to it.
                    var bestRow = i * stride, bestColumn = j * stride
                    for di in 0..<size {
                        for dj in 0..<size {
                            let row = i * stride + di, column = j * stride + dj
                            if x[image, channel, row, column] > x[image, channel, bestRow, bestColumn] {
                                (bestRow, bestColumn) = (row, column)
                            }
                        }
                    }
                    dx[image, channel, bestRow, bestColumn] += dout[image, channel, i, j]
                }
            }
        }
    }
    return dx
}
