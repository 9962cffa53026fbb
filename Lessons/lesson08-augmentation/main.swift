// Lesson 08: augmentation. Chapter: book/08-augmentation.md
//
// Regularization as randomness at training time and averaging at test time. The same network
// (chapter 4's SimpleCNN) trains twice on a small part of MNIST, with the same seed and the same
// number of steps: once on the images as they are, and once on images that every step shifts,
// turns, scales and partly erases at random (the label stays). The plain run learns its few
// images by heart; the augmented one cannot, and does better on the test set. Then the augmented
// model is scored again with test-time augmentation: each test image seen through --tta fixed
// shifts, the softmax probabilities averaged.
import Engine
import Foundation  // Date

let flags = [
    Flag("--train-size", .integer(100...55_000), default: "2000", help: "train on the first N training images"),
    Flag("--augment", .list(Transform.allCases.map(\.rawValue) + ["none"]),
         help: "the augmented run's random transforms, comma-separated, from shift, rotate, elastic, flip, jitter, erase "
            + "(default shift,rotate,erase; with --dataset fashion-mnist, where flips keep the label, shift,flip)"),
    Flag("--tta", .integer(1...9), default: "5", help: "test-time augmentation: average the softmax over N fixed views (the image, one-pixel shifts; with flip, the mirror image)"),
]
let about = "Lesson 08: the SimpleCNN on a small training set, without and with augmentation, then test-time augmentation.\n"
    + "With --dataset fashion-mnist the defaults are 4000 steps, logged every 1000."
var options = LessonOptions.parse(program: "lesson08-augmentation", about: about,
    defaults: LessonDefaults(steps: 1_500, batchSize: 64, learningRate: 1e-3, logEvery: 500), extraFlags: flags)
if options.dataset == .fashionMNIST {   // clothing needs longer for augmentation to pay (book/08, "Clothing")
    options = LessonOptions.parse(program: "lesson08-augmentation", about: about,
        defaults: LessonDefaults(steps: 4_000, batchSize: 64, learningRate: 1e-3, logEvery: 1_000), extraFlags: flags)
}
let augmentation = options.validated { () throws(UsageError) in
    guard options.batchSize <= options.integer("--train-size") else {
        throw UsageError(message: "--batch-size \(options.batchSize) is larger than --train-size \(options.integer("--train-size"))")
    }
    let clothing = options.dataset == .fashionMNIST
    return try Augmentation.parse(options.value("--augment") ?? (clothing ? "shift,flip" : "shift,rotate,erase"),
                                  dataset: options.dataset)
}

let trainSize = options.integer("--train-size")
let data = loadLessonData(&options, epochImages: trainSize)   // --epochs N: N passes over the first trainSize images
let train = data.train.subset(0..<trainSize)
let normalize = InputNormalization(statisticsOf: train)      // the training images only: the test split must not leak in
print("training on the first \(train.count) training images; input normalization from them: \(normalize.name)")

// What the augmented run trains on: the first training image as it is, then eight random draws.
var rng = Augmentation.randomStream(seed: options.seed, step: 0, index: 0)
let samples = [train.image(0)] + (1...8).map { _ in augmentation.apply(to: train.image(0), rng: &rng) }
print(textImages(samples, perLine: 3))
RunFolder.shared(options).drawImages("augmented-samples.svg", title: "what the augmented run trains on (\(augmentation.list))",
    batch: Tensor(shape: [samples.count, 784], scalars: samples.flatMap(\.pixels)),
    captions: ["as it is"] + (1...8).map { "draw \($0)" }, columns: 3)

// Two runs from the same initial weights, on the same batches, for the same number of steps.
var runs: [(name: String, model: Sequential, seconds: Double)] = []
for (name, transforms) in [("plain", Augmentation.none), ("augmented", augmentation)] {
    print("\n\(name) (augment: \(transforms.list))")
    let model = Sequential([normalize] + Models.simpleCNN(seed: options.seed).layers)
    checkBatchFitsInMemory(model, inputShape: [784], options: options)   // a usage error, not an aborted allocation
    let batches = AugmentedBatches(train, batchSize: options.batchSize, seed: options.seed, augmentation: transforms)
    let optimizer = Adam(learningRate: options.learningRate)
    let log = TrainingLog(options, series: name)               // one curve per run in the run folder
    for step in 1...options.steps {
        let (images, labels) = batches.next()                  // prepared on a worker thread during the last step
        let logits = model.forward(images, mode: .training)
        let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
        model.zeroGradients()
        _ = model.backward(dLogits)
        optimizer.step(model.parameters)
        log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    }
    runs.append((name, model, log.finish()))
}

// Training accuracy: each finished model on its own training images, as they are (no augmentation).
let scores = runs.map { (train: evaluate($0.model, on: train).accuracy, test: evaluate($0.model, on: data.test).accuracy) }
let start = Date()
let shifts = FixedTransform.testTimeSet(count: options.integer("--tta"), flips: augmentation.transforms.contains(.flip))
let withTTA = evaluate(runs[1].model, on: data.test, averagingOver: shifts).accuracy
let ttaSeconds = Float(Date().timeIntervalSince(start))

print("\ntest-time augmentation over \(shifts.count): \(shifts.map(\.description).joined(separator: "; "))\n")
var rows = zip(runs, scores).map { run, score in
    [run.name, score.train.formatted(places: 4), score.test.formatted(places: 4), (score.train - score.test).formatted(places: 4),
     Float(run.seconds).formatted(places: 1) + " s"]
}
rows.append(["augmented + TTA (\(shifts.count))", "", withTTA.formatted(places: 4), "", ttaSeconds.formatted(places: 1) + " s"])
print(textTable(header: ["run", "training accuracy", "test accuracy", "train–test gap", "time"], rows: rows))
for (run, score) in zip(runs, scores) {
    print("\(run.name): training accuracy \(score.train.formatted(places: 4)), test accuracy \(score.test.formatted(places: 4)), gap \((score.train - score.test).formatted(places: 4))")
}
print("augmented + TTA: test accuracy \(withTTA.formatted(places: 4))")
RunFolder.shared(options).close()   // curves.svg (both runs) and the samples; prints the folder
