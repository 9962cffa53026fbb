// Lesson 02: the same linear model, trained 100 times longer. Chapter: book/02-train-longer.md
//
// 100,000 steps of 100 images is about 180 passes over the 55,000 training images.
// Watch the validation accuracy: it climbs for a while, then stops. The 2017 tutorial went
// from 0.9202 to 0.9238: a third of a point for 100x the compute. The model is at its ceiling.
// `--average-last N` also tests the mean of the weights over the last N steps (chapter 2, "How much of it is noise").
import Engine

let averageFlag = Flag("--average-last", .integer(0...10_000_000), default: "0",
                       help: "also test the average of the weights over the last N steps (0: off)")
var options = LessonOptions.parse(
    program: "lesson02-train-longer",
    about: "Lesson 02: lesson 01's linear softmax model, trained for 100,000 steps.",
    defaults: LessonDefaults(steps: 100_000, batchSize: 100, learningRate: 0.5, logEvery: 10_000),
    extraFlags: [averageFlag])

let mnist = loadLessonData(&options)                      // (--epochs becomes a step count here)
let averageLast = min(options.integer("--average-last"), options.steps)
var batches = BatchSampler(mnist.train, batchSize: options.batchSize, seed: options.seed)

let model = Linear(inputs: 784, outputs: 10)              // zero-initialized, as in lesson 01
let optimizer = SGD(learningRate: options.learningRate)
let log = TrainingLog(options)
let average = WeightAverage(model.parameters)

for step in 1...options.steps {
    let (images, labels) = batches.next()
    let logits = model.forward(images, mode: .training)
    let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)

    model.zeroGradients()
    _ = model.backward(dLogits)
    optimizer.step(model.parameters)
    if step > options.steps - averageLast { average.accumulate() }

    log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    if step % options.logEvery == 0 {                     // the validation set shows the trend the noisy batches hide
        let validation = evaluate(model, on: mnist.validation)
        log.say(afterEpochs: batches.epochsSeen, "validation accuracy \(validation.accuracy.formatted(places: 4))")
        log.record(validationAccuracy: validation.accuracy)
    }
}
log.finish()

let test = evaluate(model, on: mnist.test)
print("test accuracy \(test.accuracy.formatted(places: 4))")
log.record(testAccuracy: test.accuracy)
if averageLast > 0 {                                      // the same model, its weights averaged over the last steps
    let averaged = average.withAveragedWeights { evaluate(model, on: mnist.test) }
    print("test accuracy of the weights averaged over the last \(averageLast) steps \(averaged.accuracy.formatted(places: 4))")
}
log.run.drawClassification(test, on: mnist.test)          // the confusion matrix and the worst mistakes
log.run.close()                                           // curves.svg; prints the run folder's path
