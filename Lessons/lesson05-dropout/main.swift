// Lesson 05: dropout. Chapter: book/05-dropout.md
//
// Lesson 04's network fits its training batches perfectly after a few thousand steps while the
// test accuracy lags: it overfits. Dropout zeroes each of the 1,024 fully connected activations
// with probability 1 − p at every training step (and scales the rest by 1/p), so no unit can
// rely on any other; at test time it is off. The 2017 tutorial reached 0.9935 with p = 0.5.
// Compare the train–test gap with `--keep-prob 0.5` and `--keep-prob 1` (dropout off).
import Engine
import LearnerLayers  // --use-exercises: your own code from Exercises/

let keepFlag = Flag("--keep-prob", .number(0.01...1), default: "0.5",
                    help: "probability of keeping each fc-1024 activation during training (1 turns dropout off)")
let compareFlag = Flag("--compare", .folder, help: "the run folder of another run (e.g. --keep-prob 1): comparison.svg draws both")
var options = LessonOptions.parse(
    program: "lesson05-dropout",
    about: "Lesson 05: lesson 04's network with dropout on the 1,024 fully connected activations.",
    defaults: LessonDefaults(steps: 1_000, batchSize: 100, learningRate: 1e-4, logEvery: 100),
    extraFlags: [keepFlag, compareFlag, .useExercises])
let keepProbability = Float(options.number("--keep-prob"))
let yours = LearnerCode(options, pieces: LearnerCode.convolutionalPieces)  // the engine's, unless --use-exercises

let mnist = loadLessonData(&options)
var batches = BatchSampler(mnist.train, batchSize: options.batchSize, seed: options.seed)

let model = Models.tutorialCNN(keepProbability: keepProbability, seed: options.seed, layers: yours.layers)
print(model.summary(inputShape: [784]))
checkBatchFitsInMemory(model, inputShape: [784], options: options)   // a usage error, not an aborted allocation

let optimizer = Adam(learningRate: options.learningRate)
let log = TrainingLog(options, series: "keep \(keepProbability)", whyFirstLossIsHigh: Models.tutorialCNNFirstLoss)

for step in 1...options.steps {
    let (images, labels) = batches.next()
    let logits = model.forward(images, mode: .training)   // dropout active: a different thinned network each step
    let (loss, dLogits) = yours.softmaxCrossEntropy(logits: logits, labels: labels)

    model.zeroGradients()
    _ = model.backward(dLogits)                           // only the kept units receive gradient
    optimizer.step(model.parameters)

    log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    if step % 1_000 == 0 {
        let validation = evaluate(model, on: mnist.validation, batchSize: 500)   // evaluation mode: dropout off
        log.say(afterEpochs: batches.epochsSeen, "validation accuracy \(validation.accuracy.formatted(places: 4))")
        log.record(validationAccuracy: validation.accuracy)
    }
}
log.finish()

// The gap: the same network, dropout off, on 10,000 images it trained on and on 10,000 it never saw.
let train = evaluate(model, on: mnist.train.subset(0..<10_000), batchSize: 500)
let test = evaluate(model, on: mnist.test, batchSize: 500)
print("keep probability \(keepProbability): training accuracy \(train.accuracy.formatted(places: 4)) (loss \(train.loss.formatted(places: 4))), "
    + "test loss \(test.loss.formatted(places: 4)), train–test gap \((train.accuracy - test.accuracy).formatted(places: 4))")
print("test accuracy \(test.accuracy.formatted(places: 4))")
log.record(trainingSetAccuracy: train.accuracy)
log.record(testAccuracy: test.accuracy)

log.run.drawClassification(test, on: mnist.test)          // the confusion matrix and the worst mistakes
log.run.drawFirstFilters(of: model)                       // conv1's filters as small grey images
log.run.drawFeatureMaps(of: model, image: mnist.test.batch([0]).images, label: test.labels[0])
if let other = options.value("--compare") { log.run.drawComparison(with: other) }   // both runs' accuracy on one plot
log.run.close()                                           // curves.svg; prints the run folder's path
