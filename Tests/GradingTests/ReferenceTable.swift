// The reference answers in Solutions/, gathered into the table the grader calls.
import Engine
import Grading
import Solutions

extension Implementations {
    /// Every function of Solutions/. (Qualified with the module name: inside this extension,
    /// `linearForward` alone would be the property.)
    static let reference: Implementations = {
        var code = Implementations()
        code.numericalGradient = { f, x, h in Solutions.numericalGradient(of: f, at: x, step: h) }
        code.softmaxCrossEntropy = { Solutions.softmaxCrossEntropyLoss(logits: $0, labels: $1) }
        code.linearForward = { Solutions.linearForward(input: $0, weight: $1, bias: $2) }
        code.linearBackward = { Solutions.linearBackward(outputGradient: $0, input: $1, weight: $2) }

        code.sgdStep = { Solutions.sgdStep(parameter: &$0, gradient: $1, learningRate: $2) }
        code.momentumStep = { Solutions.momentumStep(parameter: &$0, velocity: &$1, gradient: $2, learningRate: $3, momentum: $4) }
        code.adamStep = {
            Solutions.adamStep(parameter: &$0, m: &$1, v: &$2, gradient: $3, step: $4, learningRate: $5,
                               beta1: $6, beta2: $7, epsilon: $8)
        }

        code.reluForward = { Solutions.reluForward($0) }
        code.reluBackward = { Solutions.reluBackward(outputGradient: $0, input: $1) }
        code.sigmoidForward = { Solutions.sigmoidForward($0) }
        code.sigmoidBackward = { Solutions.sigmoidBackward(outputGradient: $0, input: $1) }
        code.tanhForward = { Solutions.tanhForward($0) }
        code.tanhBackward = { Solutions.tanhBackward(outputGradient: $0, input: $1) }
        code.leakyReLUForward = { Solutions.leakyReLUForward($0, negativeSlope: $1) }
        code.leakyReLUBackward = { Solutions.leakyReLUBackward(outputGradient: $0, input: $1, negativeSlope: $2) }
        code.geluForward = { Solutions.geluForward($0) }
        code.geluBackward = { Solutions.geluBackward(outputGradient: $0, input: $1) }

        code.conv2dForward = { Solutions.conv2dForward(input: $0, weight: $1, bias: $2, stride: $3, padding: $4) }
        code.conv2dBackward = { Solutions.conv2dBackward(outputGradient: $0, input: $1, weight: $2, stride: $3, padding: $4) }
        code.maxPoolForward = { Solutions.maxPoolForward(input: $0, size: $1, stride: $2) }
        code.maxPoolBackward = { Solutions.maxPoolBackward(outputGradient: $0, input: $1, size: $2, stride: $3) }

        code.dropoutForward = { Solutions.dropoutForward(input: $0, mask: $1, keepProbability: $2) }
        code.dropoutBackward = { Solutions.dropoutBackward(outputGradient: $0, mask: $1, keepProbability: $2) }

        code.kaimingNormal = { Solutions.kaimingNormal(shape: $0, rng: &$1) }

        code.batchNormForward = { Solutions.batchNormForward(input: $0, gamma: $1, beta: $2, epsilon: $3) }
        code.batchNormBackward = { Solutions.batchNormBackward(outputGradient: $0, input: $1, gamma: $2, epsilon: $3) }
        code.layerNormForward = { Solutions.layerNormForward(input: $0, gamma: $1, beta: $2, epsilon: $3) }
        code.layerNormBackward = { Solutions.layerNormBackward(outputGradient: $0, input: $1, gamma: $2, epsilon: $3) }
        code.batchNormEvaluationForward = {
            Solutions.batchNormEvaluationForward(input: $0, gamma: $1, beta: $2, runningMean: $3, runningVariance: $4, epsilon: $5)
        }
        code.batchNormUpdateRunningStatistics = {
            Solutions.batchNormUpdateRunningStatistics(runningMean: &$0, runningVariance: &$1, input: $2, momentum: $3)
        }
        code.residualBlockForward = { Solutions.residualBlockForward(input: $0, branch: $1, projection: $2) }
        code.residualBlockBackward = { Solutions.residualBlockBackward(outputGradient: $0, input: $1, branch: $2, projection: $3) }
        code.globalAveragePoolForward = { Solutions.globalAveragePoolForward(input: $0) }
        code.globalAveragePoolBackward = { Solutions.globalAveragePoolBackward(outputGradient: $0, input: $1) }

        code.shift = { Solutions.shift(image: $0, padding: $1, top: $2, left: $3) }
        code.horizontalFlip = { Solutions.horizontalFlip(image: $0) }
        code.testTimeAugmentation = { Solutions.testTimeAugmentation(logits: $0) }
        return code
    }()
}
