// Chapter 04 · Reference solution for Exercises/04-Convolution.swift.
import Engine

public func conv2dForward(input x: Tensor, weight w: Tensor, bias b: Tensor, stride: Int, padding: Int) -> Tensor {
    let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (f, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding - kh) / stride + 1
    let ow = (width + 2 * padding - kw) / stride + 1
    var out = Tensor(zeros: [n, f, oh, ow])               // out is (N, F, OH, OW)
    for image in 0..<n {
        for filter in 0..<f {
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = b[filter]
                    for channel in 0..<c {
                        for di in 0..<kh {
                            for dj in 0..<kw {
                                let row = i * stride + di - padding
                                let column = j * stride + dj - padding
                                if row < 0 || row >= h || column < 0 || column >= width { continue }  // zero padding
                                sum += w[filter, channel, di, dj] * x[image, channel, row, column]
                            }
                        }
                    }
                    out[image, filter, i, j] = sum
                }
            }
        }
    }
    return out
}

public func conv2dBackward(outputGradient dout: Tensor, input x: Tensor, weight w: Tensor, stride: Int, padding: Int)
    -> (input: Tensor, weight: Tensor, bias: Tensor) {
    let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (f, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let (oh, ow) = (dout.shape[2], dout.shape[3])
    var dx = Tensor(zeros: x.shape)
    var dw = Tensor(zeros: w.shape)
    var db = Tensor(zeros: [f])
    for image in 0..<n {
        for filter in 0..<f {
            for i in 0..<oh {
                for j in 0..<ow {
                    let g = dout[image, filter, i, j]
                    db[filter] += g
                    for channel in 0..<c {
                        for di in 0..<kh {
                            for dj in 0..<kw {
                                let row = i * stride + di - padding
                                let column = j * stride + dj - padding
                                if row < 0 || row >= h || column < 0 || column >= width { continue }
                                dw[filter, channel, di, dj] += g * x[image, channel, row, column]
                                dx[image, channel, row, column] += g * w[filter, channel, di, dj]
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dw, db)
}
