// Lesson 03: a better optimizer on the same model. Chapter: book/03-adam.md
//
// Adam keeps a running mean and a running mean square of every parameter's gradient and takes
// steps scaled per parameter. It gets where it is going differently, but where it is going is
// the same: the 2017 tutorial reached 0.9288 at 100,000 steps and 0.9281 at 200,000.
// The optimizer changes how fast you reach a level, not the level.
import Engine

var options = LessonOptions.parse(
    program: "lesson03-adam",
    about: "Lesson 03: the linear softmax model trained with Adam (learning rate 1e-4).",
    defaults: LessonDefaults(steps: 100_000, batchSize: 100, learningRate: 1e-4, logEvery: 10_000))

let mnist = loadLessonData(&options)
var batches = BatchSampler(mnist.train, batchSize: options.batchSize, seed: options.seed)

let model = Linear(inputs: 784, outputs: 10)
let optimizer = Adam(learningRate: options.learningRate)  // β1 = 0.9, β2 = 0.999, ε = 1e-8
let log = TrainingLog(options)

for step in 1...options.steps {
    let (images, labels) = batches.next()
    let logits = model.forward(images, mode: .training)
    let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)

    model.zeroGradients()
    _ = model.backward(dLogits)
    optimizer.step(model.parameters)

    log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    if step % options.logEvery == 0 {
        let validation = evaluate(model, on: mnist.validation)
        log.say(afterEpochs: batches.epochsSeen, "validation accuracy \(validation.accuracy.formatted(places: 4))")
        log.record(validationAccuracy: validation.accuracy)
    }
}
log.finish()

let test = evaluate(model, on: mnist.test)
print("test accuracy \(test.accuracy.formatted(places: 4))")
log.record(testAccuracy: test.accuracy)
log.run.drawClassification(test, on: mnist.test)          // the confusion matrix and the worst mistakes
log.run.close()                                           // curves.svg; prints the run folder's path
