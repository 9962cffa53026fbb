// The learner's functions in Exercises/, gathered into the table the grader calls.
import Engine
import Exercises
import Grading

extension Implementations {
    /// Every function of Exercises/, as the learner wrote it (or left it: `notStarted()`).
    public static let learner: Implementations = {
        // Qualified with the module name: inside this extension, `linearForward` alone would be the property.
        var code = Implementations()
        code.numericalGradient = { f, x, h in Exercises.numericalGradient(of: f, at: x, step: h) }
        code.softmaxCrossEntropy = { Exercises.softmaxCrossEntropyLoss(logits: $0, labels: $1) }
        code.linearForward = { Exercises.linearForward(input: $0, weight: $1, bias: $2) }
        code.linearBackward = { Exercises.linearBackward(outputGradient: $0, input: $1, weight: $2) }

        code.sgdStep = { Exercises.sgdStep(parameter: &$0, gradient: $1, learningRate: $2) }
        code.momentumStep = { Exercises.momentumStep(parameter: &$0, velocity: &$1, gradient: $2, learningRate: $3, momentum: $4) }
        code.adamStep = {
            Exercises.adamStep(parameter: &$0, m: &$1, v: &$2, gradient: $3, step: $4, learningRate: $5, beta1: $6, beta2: $7, epsilon: $8)
        }

        code.reluForward = { Exercises.reluForward($0) }
        code.reluBackward = { Exercises.reluBackward(outputGradient: $0, input: $1) }
        code.sigmoidForward = { Exercises.sigmoidForward($0) }
        code.sigmoidBackward = { Exercises.sigmoidBackward(outputGradient: $0, input: $1) }
        code.tanhForward = { Exercises.tanhForward($0) }
        code.tanhBackward = { Exercises.tanhBackward(outputGradient: $0, input: $1) }
        code.leakyReLUForward = { Exercises.leakyReLUForward($0, negativeSlope: $1) }
        code.leakyReLUBackward = { Exercises.leakyReLUBackward(outputGradient: $0, input: $1, negativeSlope: $2) }
        code.geluForward = { Exercises.geluForward($0) }
        code.geluBackward = { Exercises.geluBackward(outputGradient: $0, input: $1) }

        code.conv2dForward = { Exercises.conv2dForward(input: $0, weight: $1, bias: $2, stride: $3, padding: $4) }
        code.conv2dBackward = { Exercises.conv2dBackward(outputGradient: $0, input: $1, weight: $2, stride: $3, padding: $4) }
        code.maxPoolForward = { Exercises.maxPoolForward(input: $0, size: $1, stride: $2) }
        code.maxPoolBackward = { Exercises.maxPoolBackward(outputGradient: $0, input: $1, size: $2, stride: $3) }

        code.dropoutForward = { Exercises.dropoutForward(input: $0, mask: $1, keepProbability: $2) }
        code.dropoutBackward = { Exercises.dropoutBackward(outputGradient: $0, mask: $1, keepProbability: $2) }

        code.kaimingNormal = { Exercises.kaimingNormal(shape: $0, rng: &$1) }

        code.batchNormForward = { Exercises.batchNormForward(input: $0, gamma: $1, beta: $2, epsilon: $3) }
        code.batchNormBackward = { Exercises.batchNormBackward(outputGradient: $0, input: $1, gamma: $2, epsilon: $3) }
        code.layerNormForward = { Exercises.layerNormForward(input: $0, gamma: $1, beta: $2, epsilon: $3) }
        code.layerNormBackward = { Exercises.layerNormBackward(outputGradient: $0, input: $1, gamma: $2, epsilon: $3) }
        code.batchNormEvaluationForward = {
            Exercises.batchNormEvaluationForward(input: $0, gamma: $1, beta: $2, runningMean: $3, runningVariance: $4, epsilon: $5)
        }
        code.batchNormUpdateRunningStatistics = {
            Exercises.batchNormUpdateRunningStatistics(runningMean: &$0, runningVariance: &$1, input: $2, momentum: $3)
        }
        code.residualBlockForward = { Exercises.residualBlockForward(input: $0, branch: $1, projection: $2) }
        code.residualBlockBackward = { Exercises.residualBlockBackward(outputGradient: $0, input: $1, branch: $2, projection: $3) }
        code.globalAveragePoolForward = { Exercises.globalAveragePoolForward(input: $0) }
        code.globalAveragePoolBackward = { Exercises.globalAveragePoolBackward(outputGradient: $0, input: $1) }

        code.shift = { Exercises.shift(image: $0, padding: $1, top: $2, left: $3) }
        code.horizontalFlip = { Exercises.horizontalFlip(image: $0) }
        code.testTimeAugmentation = { Exercises.testTimeAugmentation(logits: $0) }
        return code
    }()
}
