// The planted bugs: typical learner mistakes, at least two per exercise, each planted into the
// reference answers. The grading must fail every one of them, on every seed.
import Engine
import Foundation
import Grading

struct PlantedBug: Sendable, CustomStringConvertible {
    let name: String
    let exercise: String
    /// A phrase the diagnostic must contain: the grading names this mistake, not only "wrong".
    let diagnosis: String?
    let plant: @Sendable (inout Implementations) -> Void

    init(_ exercise: String, _ name: String, diagnosis: String? = nil, _ plant: @escaping @Sendable (inout Implementations) -> Void) {
        self.exercise = exercise
        self.name = name
        self.diagnosis = diagnosis
        self.plant = plant
    }

    var description: String { name }

    var code: Implementations {
        var code = Implementations.reference
        plant(&code)
        return code
    }

    static func named(_ name: String) -> PlantedBug { all.first { $0.name == name }! }

    static let all: [PlantedBug] = chapter01 + chapter03 + activations + convolution + pooling + later + residual + augmentation

    static let chapter01: [PlantedBug] = [
        PlantedBug("numericalGradient", "numerical gradient: one-sided difference", diagnosis: "one-sided") { code in
            code.numericalGradient = { f, x, h in
                let fx = f(x)
                return (0..<x.count).map { i in
                    var p = x
                    p[i] += h
                    return (f(p) - fx) / h
                }
            }
        },
        PlantedBug("numericalGradient", "numerical gradient: divides by h, not 2h", diagnosis: "instead of 2h") { code in
            let reference = Implementations.reference.numericalGradient
            code.numericalGradient = { f, x, h in reference(f, x, h).map { $0 * 2 } }
        },
        PlantedBug("numericalGradient", "numerical gradient: coordinate not put back") { code in
            code.numericalGradient = { f, x, h in
                var p = x, gradient = [Double]()
                for i in 0..<x.count {
                    p[i] += h
                    let up = f(p)
                    p[i] -= 2 * h
                    gradient.append((up - f(p)) / (2 * h))
                }
                return gradient
            }
        },
        PlantedBug("softmaxCrossEntropy", "softmax: max not subtracted (overflow)", diagnosis: "overflow") { code in
            code.softmaxCrossEntropy = Buggy.softmaxWithoutMax
        },
        PlantedBug("softmaxCrossEntropy", "softmax: shifted by the row's mean, not its max",
                   diagnosis: "2 simpler cases pass; one logit 140 or more above the rest of its row fails") { code in
            code.softmaxCrossEntropy = { Buggy.softmaxShifted(byMean: true, $0, $1) }
        },
        PlantedBug("softmaxCrossEntropy", "softmax: loss as −log of an underflowed probability",
                   diagnosis: "one logit 140 or more above the rest of its row fails") { code in
            code.softmaxCrossEntropy = { Buggy.softmaxShifted(byMean: false, $0, $1) }
        },
        PlantedBug("softmaxCrossEntropy", "softmax: gradient not divided by N", diagnosis: "divide the gradient by N") { code in
            let reference = Implementations.reference.softmaxCrossEntropy
            code.softmaxCrossEntropy = { logits, labels in
                let (loss, gradient) = reference(logits, labels)
                return (loss, Buggy.scaled(gradient, Float(labels.count)))
            }
        },
        PlantedBug("softmaxCrossEntropy", "softmax: one-hot not subtracted", diagnosis: "subtract 1") { code in
            let reference = Implementations.reference.softmaxCrossEntropy
            code.softmaxCrossEntropy = { logits, labels in
                var (loss, gradient) = reference(logits, labels)
                for (row, label) in labels.enumerated() { gradient[row, label] += 1 / Float(labels.count) }
                return (loss, gradient)
            }
        },
        PlantedBug("softmaxCrossEntropy", "softmax: loss summed over the batch", diagnosis: "sum over the rows") { code in
            let reference = Implementations.reference.softmaxCrossEntropy
            code.softmaxCrossEntropy = { logits, labels in
                let (loss, gradient) = reference(logits, labels)
                return (loss * Float(labels.count), gradient)
            }
        },
        PlantedBug("linear", "linear: dx = dout·W, transpose forgotten (reads past W)", diagnosis: "out of bounds") { code in
            code.linearBackward = Buggy.linearBackwardWithoutTranspose
        },
        PlantedBug("linear", "linear: dW = doutᵀ·x, shape (M, D)", diagnosis: "transposed?") { code in
            let reference = Implementations.reference.linearBackward
            code.linearBackward = { dout, x, w in
                let g = reference(dout, x, w)
                return (g.input, Buggy.transposed(g.weight), g.bias)
            }
        },
        PlantedBug("linear", "linear: dW averaged over the batch", diagnosis: "average dW over the batch") { code in
            let reference = Implementations.reference.linearBackward
            code.linearBackward = { dout, x, w in
                let g = reference(dout, x, w)
                return (g.input, Buggy.scaled(g.weight, 1 / Float(dout.shape[0])), g.bias)
            }
        },
        PlantedBug("linear", "linear: db from the first row only", diagnosis: "first row") { code in
            let reference = Implementations.reference.linearBackward
            code.linearBackward = { dout, x, w in
                let g = reference(dout, x, w)
                let m = dout.shape[1]
                return (g.input, g.weight, Tensor(shape: [m], scalars: Array(dout.scalars[0..<m])))
            }
        },
        PlantedBug("linear", "linear: db averaged over the batch", diagnosis: "average over the batch") { code in
            let reference = Implementations.reference.linearBackward
            code.linearBackward = { dout, x, w in
                let g = reference(dout, x, w)
                return (g.input, g.weight, Buggy.scaled(g.bias, 1 / Float(dout.shape[0])))
            }
        },
    ]

    static let chapter03: [PlantedBug] = [
        PlantedBug("sgd", "sgd: gradient ascent", diagnosis: "uphill") { code in
            code.sgdStep = { parameter, gradient, lr in parameter.add(gradient, scaledBy: lr) }
        },
        PlantedBug("sgd", "sgd: learning rate ignored", diagnosis: "leave out the learning rate") { code in
            code.sgdStep = { parameter, gradient, _ in parameter.add(gradient, scaledBy: -1) }
        },
        PlantedBug("momentum", "momentum: velocity not stored", diagnosis: "it stays 0") { code in
            code.momentumStep = { parameter, velocity, gradient, lr, mu in
                var v = velocity                                   // a copy: the caller's velocity stays 0
                for i in 0..<v.count { v.scalars[i] = mu * v.scalars[i] + gradient.scalars[i] }
                parameter.add(v, scaledBy: -lr)
            }
        },
        PlantedBug("momentum", "momentum: learning rate folded into the velocity", diagnosis: "fold the learning rate") { code in
            code.momentumStep = { parameter, velocity, gradient, lr, mu in
                for i in 0..<velocity.count { velocity.scalars[i] = mu * velocity.scalars[i] + lr * gradient.scalars[i] }
                parameter.add(velocity, scaledBy: -1)
            }
        },
        PlantedBug("momentum", "momentum: parameter moved with the old velocity", diagnosis: "old velocity") { code in
            code.momentumStep = { parameter, velocity, gradient, lr, mu in
                parameter.add(velocity, scaledBy: -lr)
                for i in 0..<velocity.count { velocity.scalars[i] = mu * velocity.scalars[i] + gradient.scalars[i] }
            }
        },
        PlantedBug("adam", "adam: no bias correction", diagnosis: "bias correction") { code in
            code.adamStep = { parameter, m, v, gradient, _, lr, b1, b2, eps in
                for i in 0..<parameter.count {
                    let g = gradient.scalars[i]
                    m.scalars[i] = b1 * m.scalars[i] + (1 - b1) * g
                    v.scalars[i] = b2 * v.scalars[i] + (1 - b2) * g * g
                    parameter.scalars[i] -= lr * m.scalars[i] / (v.scalars[i].squareRoot() + eps)
                }
            }
        },
        PlantedBug("adam", "adam: ε inside the square root", diagnosis: "inside the square root") { code in
            code.adamStep = { parameter, m, v, gradient, t, lr, b1, b2, eps in
                for i in 0..<parameter.count {
                    let g = gradient.scalars[i]
                    m.scalars[i] = b1 * m.scalars[i] + (1 - b1) * g
                    v.scalars[i] = b2 * v.scalars[i] + (1 - b2) * g * g
                    let mHat = m.scalars[i] / (1 - pow(b1, Float(t))), vHat = v.scalars[i] / (1 - pow(b2, Float(t)))
                    parameter.scalars[i] -= lr * mHat / (vHat + eps).squareRoot()
                }
            }
        },
        PlantedBug("adam", "adam: stores m̂ and v̂ instead of m and v", diagnosis: "bias-corrected m̂ in m") { code in
            code.adamStep = { parameter, m, v, gradient, t, lr, b1, b2, eps in
                for i in 0..<parameter.count {
                    let g = gradient.scalars[i]
                    m.scalars[i] = (b1 * m.scalars[i] + (1 - b1) * g) / (1 - pow(b1, Float(t)))
                    v.scalars[i] = (b2 * v.scalars[i] + (1 - b2) * g * g) / (1 - pow(b2, Float(t)))
                    parameter.scalars[i] -= lr * m.scalars[i] / (v.scalars[i].squareRoot() + eps)
                }
            }
        },
    ]

    static let activations: [PlantedBug] = [
        PlantedBug("relu", "relu: backward returns the 0/1 mask, not dout·mask", diagnosis: "without multiplying by dout") { code in
            code.reluBackward = { _, x in Buggy.map(x) { $0 > 0 ? 1 : 0 } }
        },
        PlantedBug("relu", "relu: backward passes dout everywhere", diagnosis: "even where x ≤ 0") { code in
            code.reluBackward = { dout, _ in dout }
        },
        // The backward pass then sees x after the ReLU, whose mask x > 0 is the same: without a copy
        // of x taken before the call the grader saw nothing wrong.
        PlantedBug("relu", "relu: forward writes max(0, x) into x's storage", diagnosis: "your forward pass changed its input x") { code in
            code.reluForward = { x in
                Buggy.overwriteInPlace(x) { _, value in max(0, value) }
                return x
            }
        },
        PlantedBug("sigmoid", "sigmoid: backward uses x for σ(x)", diagnosis: "x where σ(x) belongs") { code in
            code.sigmoidBackward = { dout, x in Buggy.zip(dout, x) { $0 * $1 * (1 - $1) } }
        },
        PlantedBug("sigmoid", "sigmoid: backward without dout", diagnosis: "without multiplying by dout") { code in
            code.sigmoidBackward = { _, x in Buggy.map(x) { let s = 1 / (1 + exp(-$0)); return s * (1 - s) } }
        },
        PlantedBug("tanh", "tanh: backward 1 − x²", diagnosis: "square x") { code in
            code.tanhBackward = { dout, x in Buggy.zip(dout, x) { $0 * (1 - $1 * $1) } }
        },
        PlantedBug("tanh", "tanh: backward 1 − tanh(x), not squared") { code in
            code.tanhBackward = { dout, x in Buggy.zip(dout, x) { $0 * (1 - tanh($1)) } }
        },
        PlantedBug("leakyReLU", "leaky ReLU: no gradient on the negative side", diagnosis: "no gradient") { code in
            code.leakyReLUBackward = { dout, x, _ in Buggy.zip(dout, x) { $1 > 0 ? $0 : 0 } }
        },
        PlantedBug("leakyReLU", "leaky ReLU: slope applied on both sides") { code in
            code.leakyReLUForward = { x, slope in Buggy.map(x) { slope * $0 } }
        },
        PlantedBug("gelu", "GELU: x·φ(x) term left out", diagnosis: "x·φ(x) term") { code in
            code.geluBackward = { dout, x in Buggy.zip(dout, x) { $0 * 0.5 * (1 + erf($1 / Float(2).squareRoot())) } }
        },
        PlantedBug("gelu", "GELU: forward x·φ(x) instead of x·Φ(x)") { code in
            code.geluForward = { x in Buggy.map(x) { $0 * exp(-0.5 * $0 * $0) / (2 * Float.pi).squareRoot() } }
        },
    ]

    static func convolutionBug(_ name: String, diagnosis: String? = nil, _ knobs: Buggy.ConvolutionKnobs) -> PlantedBug {
        PlantedBug("convolution", name, diagnosis: diagnosis) { code in
            code.conv2dForward = { Buggy.convolution($0, $1, $2, stride: $3, padding: $4, knobs) }
            code.conv2dBackward = { Buggy.convolutionBackward($0, $1, $2, stride: $3, padding: $4, knobs) }
        }
    }

    static let convolution: [PlantedBug] = [
        convolutionBug("convolution: padding not subtracted from the input index", .init(subtractPadding: false)),
        convolutionBug("convolution: output size with padding on one side only", .init(paddingOnBothSides: false)),
        convolutionBug("convolution: kernel flipped (true convolution)", diagnosis: "flip the kernel", .init(flipKernel: true)),
        convolutionBug("convolution: stride ignored in the backward pass", diagnosis: "the first that fails: stride 2 or 3",
                       .init(strideInBackward: false)),
        convolutionBug("convolution: dw and db not summed over the images", diagnosis: "only the last image's part",
                       .init(sumOverImages: false)),
    ]

    static func poolingBug(_ name: String, diagnosis: String? = nil, _ knobs: Buggy.PoolingKnobs) -> PlantedBug {
        PlantedBug("maxPooling", name, diagnosis: diagnosis) { code in
            code.maxPoolForward = { Buggy.maxPool($0, size: $1, stride: $2, knobs) }
            code.maxPoolBackward = { Buggy.maxPoolBackward($0, $1, size: $2, stride: $3, knobs) }
        }
    }

    static let pooling: [PlantedBug] = [
        poolingBug("max-pool: gradient sent to every position of the window", diagnosis: "every position",
                   .init(gradientEverywhere: true)),
        poolingBug("max-pool: gradient assigned (=), not added, where windows overlap", .init(overwrite: true)),
        poolingBug("max-pool: window moved by its size, not by the stride", .init(strideIsSize: true)),
        poolingBug("max-pool: gradient to every tied maximum", diagnosis: "every tied maximum", .init(everyTiedMaximum: true)),
    ]

    static func normalizationBug(_ exercise: String, _ name: String, diagnosis: String? = nil,
                                 _ knobs: Buggy.NormalizationKnobs) -> PlantedBug {
        PlantedBug(exercise, name, diagnosis: diagnosis) { code in
            let forward: @Sendable (Tensor, Tensor, Tensor, Float) -> Tensor = { Buggy.normalize($0, $1, $2, $3, knobs) }
            let backward: @Sendable (Tensor, Tensor, Tensor, Float) -> Implementations.NormGradients = {
                Buggy.normalizeBackward($0, $1, $2, $3, knobs)
            }
            if exercise == "batchNorm" {
                code.batchNormForward = forward
                code.batchNormBackward = backward
            } else {
                code.layerNormForward = forward
                code.layerNormBackward = backward
            }
        }
    }

    static let later: [PlantedBug] = [
        PlantedBug("dropout", "dropout: kept units not rescaled", diagnosis: "rescale the kept units") { code in
            code.dropoutForward = { x, mask, _ in Buggy.zip(x, mask) { $0 * $1 } }
            code.dropoutBackward = { dout, mask, _ in Buggy.zip(dout, mask) { $0 * $1 } }
        },
        PlantedBug("dropout", "dropout: divided by 1 − p", diagnosis: "1 − p") { code in
            code.dropoutForward = { x, mask, p in Buggy.zip(x, mask) { $0 * $1 / (1 - p) } }
            code.dropoutBackward = { dout, mask, p in Buggy.zip(dout, mask) { $0 * $1 / (1 - p) } }
        },
        PlantedBug("dropout", "dropout: backward without the mask", diagnosis: "mask is missing") { code in
            code.dropoutBackward = { dout, _, p in Buggy.scaled(dout, 1 / p) }
        },
        PlantedBug("kaiming", "kaiming: fan-out instead of fan-in", diagnosis: "fan-out") { code in
            code.kaimingNormal = { shape, rng in
                let fanOut = shape.count == 2 ? shape[1] : shape[0] * shape[2] * shape[3]
                return Tensor(normal: shape, standardDeviation: (2 / Float(fanOut)).squareRoot(), rng: &rng)
            }
        },
        PlantedBug("kaiming", "kaiming: a convolution's fan-in without the kernel's size", diagnosis: "C alone") { code in
            code.kaimingNormal = { shape, rng in
                let fanIn = shape.count == 2 ? shape[0] : shape[1]
                return Tensor(normal: shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), rng: &rng)
            }
        },
        PlantedBug("kaiming", "kaiming: √(1/fanIn)", diagnosis: "Xavier") { code in
            code.kaimingNormal = { shape, rng in
                let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
                return Tensor(normal: shape, standardDeviation: (1 / Float(fanIn)).squareRoot(), rng: &rng)
            }
        },
        PlantedBug("kaiming", "kaiming: uniform draws with the right standard deviation", diagnosis: "normal distribution") { code in
            code.kaimingNormal = { shape, rng in
                let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
                let bound = (3 * 2 / Float(fanIn)).squareRoot()      // uniform(−a, a) has std a/√3
                return Tensor(uniform: shape, low: -bound, high: bound, rng: &rng)
            }
        },
        PlantedBug("kaiming", "kaiming: truncated normal rescaled to the right standard deviation", diagnosis: "truncated at 2σ") { code in
            code.kaimingNormal = { shape, rng in
                let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
                // A standard normal cut at ±2 has standard deviation 0.8796: divide it out.
                let standardDeviation = (2 / Float(fanIn)).squareRoot() / 0.8796
                var weights = Tensor(zeros: shape)
                for i in 0..<weights.count { weights.scalars[i] = rng.truncatedNormal(standardDeviation: standardDeviation) }
                return weights
            }
        },
        PlantedBug("kaiming", "kaiming: Float.random instead of the rng", diagnosis: "same seed gave different weights") { code in
            code.kaimingNormal = { shape, _ in
                var system = RandomSource(seed: UInt64.random(in: 0...UInt64.max))
                let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
                return Tensor(normal: shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), rng: &system)
            }
        },
        normalizationBug("batchNorm", "batch norm: unbiased variance", diagnosis: "count − 1", .init(overRows: true, unbiased: true)),
        normalizationBug("batchNorm", "batch norm: ε left out", diagnosis: "leave ε out", .init(overRows: true, useEpsilon: false)),
        normalizationBug("batchNorm", "batch norm: dx without the mean and variance paths", diagnosis: "paths through the mean",
                         .init(overRows: true, meanAndVariancePaths: false)),
        PlantedBug("batchNorm", "batch norm: forward normalizes x in place", diagnosis: "your forward pass changed its input x") { code in
            code.batchNormForward = { x, gamma, beta, epsilon in
                let out = Implementations.reference.batchNormForward(x, gamma, beta, epsilon)
                Buggy.overwriteInPlace(x) { i, _ in (out.scalars[i] - beta.scalars[i % x.shape[1]]) / gamma.scalars[i % x.shape[1]] }
                return out
            }
        },
        normalizationBug("batchNorm", "batch norm: dγ from the first row only", .init(overRows: true, dgammaFirstRowOnly: true)),
        normalizationBug("batchNorm", "batch norm: dx without the variance's path", diagnosis: "the mean's path is right",
                         .init(overRows: true, variancePath: false)),
        normalizationBug("batchNorm", "batch norm: ε left out of the backward pass only", diagnosis: "your forward pass has it right",
                         .init(overRows: true, epsilonInBackward: false)),
        normalizationBug("layerNorm", "layer norm: statistics over the batch (columns)", diagnosis: "batch normalization",
                         .init(overRows: true)),
        normalizationBug("layerNorm", "layer norm: dx without the mean and variance paths", diagnosis: "paths through the mean",
                         .init(overRows: false, meanAndVariancePaths: false)),
        normalizationBug("layerNorm", "layer norm: γ left out of dx", diagnosis: "γ = 1 and β = 0 passes; random γ and β fails",
                         .init(overRows: false, gammaInBackward: false)),
        normalizationBug("layerNorm", "layer norm: dγ averaged over the batch", diagnosis: "average dγ over the batch",
                         .init(overRows: false, dgammaAveraged: true)),
    ]

    static func residualBug(_ name: String, diagnosis: String? = nil, _ knobs: Buggy.ResidualKnobs) -> PlantedBug {
        PlantedBug("residualBlock", name, diagnosis: diagnosis) { code in
            code.residualBlockForward = { Buggy.residualForward($0, $1, $2, knobs) }
            code.residualBlockBackward = { Buggy.residualBackward($0, $1, $2, $3, knobs) }
        }
    }

    static func poolBug(_ name: String, diagnosis: String? = nil, _ knobs: Buggy.PoolKnobs) -> PlantedBug {
        PlantedBug("globalAveragePool", name, diagnosis: diagnosis) { code in
            code.globalAveragePoolForward = { Buggy.globalPool($0, knobs) }
            code.globalAveragePoolBackward = { Buggy.globalPoolBackward($0, $1, knobs) }
        }
    }

    static func evaluationBug(_ name: String, diagnosis: String? = nil, _ knobs: Buggy.EvaluationKnobs) -> PlantedBug {
        PlantedBug("batchNormEvaluation", name, diagnosis: diagnosis) { code in
            code.batchNormEvaluationForward = { Buggy.evaluationForward($0, $1, $2, $3, $4, $5, knobs) }
            code.batchNormUpdateRunningStatistics = { Buggy.updateRunningStatistics(&$0, &$1, $2, $3, knobs) }
        }
    }

    static let residual: [PlantedBug] = [
        evaluationBug("batch norm evaluation: batch statistics", diagnosis: "training mode", .init(batchStatistics: true)),
        evaluationBug("batch norm evaluation: ε outside the square root", diagnosis: "outside the square root",
                      .init(epsilonOutsideRoot: true)),
        evaluationBug("batch norm running variance: biased", diagnosis: "evaluation forward with given running statistics passes",
                      .init(biasedRunningVariance: true)),
        evaluationBug("batch norm running averages: Keras momentum", diagnosis: "Keras convention", .init(kerasMomentum: true)),
        residualBug("residual: ReLU before the add", diagnosis: "before adding the shortcut", .init(reluBeforeAdd: true)),
        residualBug("residual: shortcut gradient left out", diagnosis: "leave out the shortcut's gradient", .init(shortcutGradient: false)),
        residualBug("residual: shortcut gradient not masked by the ReLU", diagnosis: "skips the final ReLU's mask",
                    .init(maskShortcut: false)),
        residualBug("residual: ReLU mask from the branch alone", diagnosis: "from F(x) alone", .init(maskFromBranch: true)),
        residualBug("residual: projection's backward skipped", diagnosis: "projection shortcut (stride 2, channels doubled) fails",
                    .init(projectionBackward: false)),
        residualBug("residual: branch backward called twice", diagnosis: "called 2 times", .init(branchBackwardTwice: true)),
        poolBug("global pool: sum instead of mean", diagnosis: "sum the pixels", .init(sumInForward: true)),
        poolBug("global pool: backward without 1/(H·W)", diagnosis: "without the 1/(H·W)", .init(divideInBackward: false)),
        poolBug("global pool: divides by H·H", diagnosis: "as if the image were square", .init(squareImages: true)),
    ]

    static func shiftBug(_ name: String, diagnosis: String, _ knobs: Buggy.ShiftKnobs) -> PlantedBug {
        PlantedBug("shift", name, diagnosis: diagnosis) { code in
            code.shift = { Buggy.shift($0, padding: $1, top: $2, left: $3, knobs) }
        }
    }

    static func flipBug(_ name: String, diagnosis: String, _ knobs: Buggy.FlipKnobs) -> PlantedBug {
        PlantedBug("horizontalFlip", name, diagnosis: diagnosis) { code in code.horizontalFlip = { Buggy.horizontalFlip($0, knobs) } }
    }

    static func averagingBug(_ name: String, diagnosis: String, _ knobs: Buggy.AveragingKnobs) -> PlantedBug {
        PlantedBug("testTimeAugmentation", name, diagnosis: diagnosis) { code in
            code.testTimeAugmentation = { Buggy.testTimeAugmentation($0, knobs) }
        }
    }

    static let augmentation: [PlantedBug] = [
        shiftBug("shift: the opposite way", diagnosis: "opposite way", .init(opposite: true)),
        shiftBug("shift: wraps around", diagnosis: "wrap around", .init(wrap: true)),
        shiftBug("shift: padding not subtracted", diagnosis: "without its padding", .init(paddingForgotten: true)),
        flipBug("flip: upside down", diagnosis: "upside down", .init(vertical: true)),
        flipBug("flip: in-place swap over the whole row", diagnosis: "swaps every pair twice", .init(swapWholeRow: true)),
        flipBug("flip: column W − j", diagnosis: "one off", .init(offByOne: true)),
        averagingBug("TTA: logits averaged", diagnosis: "average the logits", .init(averageLogits: true)),
        averagingBug("TTA: softmax without the max (overflow)", diagnosis: "overflow", .init(subtractMax: false)),
        averagingBug("TTA: probabilities summed, not averaged", diagnosis: "without dividing by K", .init(divideByCopies: false)),
    ]
}
