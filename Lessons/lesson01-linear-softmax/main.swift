// Lesson 01: a linear softmax classifier on MNIST. Chapter: book/01-linear-softmax.md
//
// Each 28×28 image is flattened to 784 numbers; one linear layer turns them into 10 scores
// (one per digit); softmax turns scores into probabilities; cross-entropy measures how wrong
// they are; SGD nudges the weights downhill. The 2017 TensorFlow tutorial reached 0.9202.
import Engine
import LearnerLayers  // --use-exercises: your own code from Exercises/

var options = LessonOptions.parse(
    program: "lesson01-linear-softmax",
    about: "Lesson 01: a zero-initialized 784→10 linear layer, softmax cross-entropy, plain SGD.",
    defaults: LessonDefaults(steps: 1_000, batchSize: 100, learningRate: 0.5, logEvery: 100),
    extraFlags: [.useExercises])
let yours = LearnerCode(options, pieces: ["linear", "softmaxCrossEntropy"])  // the engine's, unless --use-exercises

let mnist = loadLessonData(&options)                      // 55,000 train / 5,000 validation / 10,000 test
var batches = BatchSampler(mnist.train, batchSize: options.batchSize, seed: options.seed)

let model = yours.adopt(Linear(inputs: 784, outputs: 10)) // W (784, 10) and b (10), all zeros
let optimizer = SGD(learningRate: options.learningRate)
let log = TrainingLog(options)

for step in 1...options.steps {
    let (images, labels) = batches.next()                 // images (100, 784), labels (100)
    let logits = model.forward(images, mode: .training)   // (100, 10)
    let (loss, dLogits) = yours.softmaxCrossEntropy(logits: logits, labels: labels)

    model.zeroGradients()
    _ = model.backward(dLogits)                           // fills ∂loss/∂W and ∂loss/∂b
    optimizer.step(model.parameters)                      // W −= 0.5 · ∂loss/∂W, same for b

    log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
}
log.finish()

let test = evaluate(model, on: mnist.test)                // looked at once, at the end
print("test accuracy \(test.accuracy.formatted(places: 4))")
log.record(testAccuracy: test.accuracy)

log.run.drawTemplates(model.parameters[0].value)          // the 10 columns of W as 28×28 images
log.run.drawClassification(test, on: mnist.test)          // the confusion matrix and the worst mistakes
log.run.close()                                           // curves.svg; prints the run folder's path
