// Lesson 04: convolutions. Chapter: book/04-convolutions.md
//
// The linear model of lessons 01–03 sat at its ceiling near 0.92 whatever the compute or the
// optimizer. A convolutional network moves the ceiling: small filters slid over the image, shared
// at every position, stacked with pooling so later layers see larger regions. The 2017 tutorial's
// network reached 0.9725 after 1,000 steps and 0.9898 after 10,000.
// `--model simplecnn` trains the SimpleCNN write-up's smaller network for 10 epochs instead.
import Engine
import LearnerLayers  // --use-exercises: your own code from Exercises/

let program = "lesson04-convolutions"
let about = "Lesson 04: the 2017 tutorial's convolutional network (or --model simplecnn) with Adam."
let modelFlag = Flag("--model", .choice(["tutorial", "simplecnn"]), default: "tutorial",
                     help: "tutorial: the 2017 CNN; simplecnn: the SimpleCNN, 10 epochs of batch 64, Adam 1e-3 halved after epoch 5")
var options = LessonOptions.parse(program: program, about: about,
    defaults: LessonDefaults(steps: 1_000, batchSize: 100, learningRate: 1e-4, logEvery: 100), extraFlags: [modelFlag, .useExercises] + Flag.checkpoints)
let simpleCNN = options.value("--model") == "simplecnn"
if simpleCNN {   // 10 epochs of 55,000 / 64 = 859 batches
    options = LessonOptions.parse(program: program, about: about,
        defaults: LessonDefaults(steps: 8_590, batchSize: 64, learningRate: 1e-3, logEvery: 859), extraFlags: [modelFlag, .useExercises] + Flag.checkpoints)
}
var checkpoints = LessonCheckpoints(options, model: options.value("--model")!)   // --save, --resume, --load
let yours = LearnerCode(options, pieces: LearnerCode.convolutionalPieces)  // the engine's, unless --use-exercises

let mnist = loadLessonData(&options)                      // and --epochs N: 550·N steps (859·N for the SimpleCNN)
checkpoints.steps = options.steps
var batches = BatchSampler(mnist.train, batchSize: options.batchSize, seed: options.seed)

let model = simpleCNN ? Models.simpleCNN(seed: options.seed, layers: yours.layers)
                      : Models.tutorialCNN(seed: options.seed, layers: yours.layers)
print(model.summary(inputShape: [784]))                   // each layer's output shape and parameter count
checkBatchFitsInMemory(model, inputShape: [784], options: options)   // a usage error, not an aborted allocation

let optimizer = Adam(learningRate: options.learningRate)
let schedule = StepSchedule(initial: options.learningRate, every: 5, factor: 0.5)   // SimpleCNN only
let stepsPerEpoch = mnist.train.count / options.batchSize
let log = TrainingLog(options, whyFirstLossIsHigh: simpleCNN ? nil : Models.tutorialCNNFirstLoss)
let firstStep = checkpoints.start(model, optimizer: optimizer, sampler: &batches)   // 1 unless --resume

for step in firstStep...options.steps {
    let (images, labels) = batches.next()                 // (B, 784); the model views them as (B, 1, 28, 28)
    let logits = model.forward(images, mode: .training)   // (B, 10)
    let (loss, dLogits) = yours.softmaxCrossEntropy(logits: logits, labels: labels)

    model.zeroGradients()
    _ = model.backward(dLogits)
    optimizer.step(model.parameters)

    log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    checkpoints.afterStep(step, model, optimizer: optimizer, sampler: batches)   // --checkpoint-every, and Ctrl-C
    if simpleCNN && step % stepsPerEpoch == 0 {           // the write-up reports test accuracy after every epoch
        let epoch = step / stepsPerEpoch
        let test = evaluate(model, on: mnist.test, batchSize: 500)
        log.say(afterEpochs: batches.epochsSeen, "learning rate \(optimizer.learningRate), test accuracy \(test.accuracy.formatted(places: 4)), test loss \(test.loss.formatted(places: 4))")
        log.record(testAccuracy: test.accuracy)
        optimizer.learningRate = schedule.learningRate(epoch: epoch)
        log.learningRate = optimizer.learningRate
    } else if !simpleCNN && step % 1_000 == 0 {
        let validation = evaluate(model, on: mnist.validation, batchSize: 500)
        log.say(afterEpochs: batches.epochsSeen, "validation accuracy \(validation.accuracy.formatted(places: 4))")
        log.record(validationAccuracy: validation.accuracy)
    }
}
log.finish()

let test = evaluate(model, on: mnist.test, batchSize: 500)  // looked at once, at the end
print("test accuracy \(test.accuracy.formatted(places: 4))")
log.record(testAccuracy: test.accuracy)
checkpoints.finish(model, optimizer: optimizer, sampler: batches, step: options.steps, testAccuracy: test.accuracy)

log.run.drawClassification(test, on: mnist.test)          // the confusion matrix and the worst mistakes
log.run.drawFirstFilters(of: model)                       // conv1's filters as small grey images
log.run.drawFeatureMaps(of: model, image: mnist.test.batch([0]).images, label: test.labels[0])
log.run.close()                                           // curves.svg; prints the run folder's path
