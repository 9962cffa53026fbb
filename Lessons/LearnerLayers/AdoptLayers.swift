// Which engine layers the learner's code can stand in for, beyond Linear (see LearnerCode.adopt).
// The convolution, pooling, dropout and ReLU layers come from the engine's kernels; until they
// exist, nothing else is replaced.
import Engine

extension LearnerCode {
    func adoptLayer(_ layer: any Layer) -> any Layer {
        layer
    }
}
