// Lesson 07: residual blocks. Chapter: book/07-residual-blocks.md
//
// Stacking more layers should never hurt on the training set: the extra layers could learn to
// pass their input through. Yet a deep plain network trains worse than a shallow one (the
// "degradation problem" of the ResNet paper). This lesson trains three networks with the same
// data order, seed, optimizer and budget: a shallow plain net, a deep plain net, and the same deep
// net with identity shortcuts, out = ReLU(F(x) + x), then compares their training loss.
// Default: depths 8 and 32, channels 8/16/32, 600 steps of 64 images, SGD with momentum 0.9.
// `--no-batchnorm` shows the other half of the story: without normalization the deep nets do not train.
import Engine

let depths = stride(from: 8, through: 56, by: 6).map(String.init)    // 6n + 2
let depthFlag = Flag("--depth", .choice(depths), default: "32", help: "depth of the deep networks (6n + 2)")
let shallowFlag = Flag("--shallow-depth", .choice(depths), default: "8", help: "depth of the shallow plain network")
let netsFlag = Flag("--nets", .choice(["all", "plain", "residual"]), default: "all",
                    help: "all: the three networks; plain: shallow and deep plain; residual: deep residual only")
let widthFlag = Flag("--width", .integer(1...256), default: "8", help: "channels of stage 1 (stages 2 and 3 double it, then double again)")
let noBatchNorm = Flag("--no-batchnorm", .toggle, help: "leave out every batch norm (the convolutions get biases instead)")
let warmupFlag = Flag("--warmup", .integer(0...100_000), default: "50", help: "steps over which the learning rate ramps up linearly (it then falls linearly to 0 at the last step)")
var options = LessonOptions.parse(
    program: "lesson07-residual-blocks",
    about: "Lesson 07: a shallow plain, a deep plain and a deep residual network, trained alike; compare their training loss.",
    defaults: LessonDefaults(steps: 600, batchSize: 64, learningRate: 0.05, logEvery: 100),
    extraFlags: [depthFlag, shallowFlag, netsFlag, widthFlag, noBatchNorm, warmupFlag])

let data = loadLessonData(&options)
let fixedTraining = data.train.subset(0..<5_000)   // training loss and accuracy: the first 5,000 training images
let width = options.integer("--width"), deep = options.integer("--depth"), shallow = options.integer("--shallow-depth")
let batchNorm = !options.isSet("--no-batchnorm"), warmup = options.integer("--warmup")
let all: [(name: String, depth: Int, shortcuts: Bool)] = [
    ("shallow plain", shallow, false), ("deep plain", deep, false), ("deep residual", deep, true)]
let nets = all.filter { options.value("--nets") == "all" || $0.shortcuts == (options.value("--nets") == "residual") }

var results: [(name: String, depth: Int, shortcuts: Bool, parameters: Int, train: Evaluation,
               test: Evaluation, seconds: Double)] = []
for net in nets {
    print("\n=== \(net.name): depth \(net.depth), shortcuts \(net.shortcuts ? "yes" : "no")")
    let shape = Models.ResNetShape(blocksPerStage: Models.ResNetShape.blocksPerStage(depth: net.depth)!,
                                   widths: [width, 2 * width, 4 * width], shortcuts: net.shortcuts, batchNorm: batchNorm)
    let model = Models.resNet(shape, seed: options.seed)                 // same seed: same initial weights
    print(model.summary(inputShape: [784]))
    checkBatchFitsInMemory(model, inputShape: [784], options: options)   // a usage error, not an aborted allocation
    var batches = BatchSampler(data.train, batchSize: options.batchSize, seed: options.seed)   // same data order
    let optimizer = SGD(learningRate: options.learningRate, momentum: 0.9)
    let log = TrainingLog(options, series: net.name)                // one curve per network in the run folder
    for step in 1...options.steps {
        // Up linearly over the warmup, then down linearly to zero at the last step.
        optimizer.learningRate = options.learningRate * min(1, Float(step) / Float(max(warmup, 1)),
                                                            Float(options.steps - step + 1) / Float(max(options.steps - warmup, 1)))
        log.learningRate = optimizer.learningRate                       // metrics.csv records the schedule
        let (images, labels) = batches.next()
        let logits = model.forward(images, mode: .training)              // batch norm: this batch's statistics
        let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
        model.zeroGradients()
        _ = model.backward(dLogits)
        optimizer.step(model.parameters)
        log.record(step: step, loss: loss, accuracy: accuracy(logits: logits, labels: labels))
    }
    let seconds = log.finish()
    // Evaluation mode (batch norm: running averages), on fixed images, not the noisy last batch.
    let train = evaluate(model, on: fixedTraining, batchSize: 500), test = evaluate(model, on: data.test, batchSize: 500)
    log.record(trainingSetAccuracy: train.accuracy)
    log.record(testAccuracy: test.accuracy)
    results.append((net.name, net.depth, net.shortcuts, model.parameterCount, train, test, seconds))
}

// The side-by-side table, then one line per network for scripts to compare.
func row(_ cells: [String]) -> String {   // first column left-aligned, the others right-aligned
    zip(cells, [13, 5, 9, 10, 13, 17, 13, 8]).enumerated().map { column, cell in
        column == 0 ? cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, cell.1 - cell.0.count)) + cell.0
    }.joined(separator: "  ")
}
print("\n" + row(["network", "depth", "shortcuts", "parameters", "training loss", "training accuracy", "test accuracy", "time"]))
for r in results {
    print(row([r.name, "\(r.depth)", r.shortcuts ? "yes" : "no", Sequential.grouped(r.parameters), r.train.loss.formatted(places: 4),
               r.train.accuracy.formatted(places: 4), r.test.accuracy.formatted(places: 4), String(format: "%.1f s", r.seconds)]))
}
print("(training loss and accuracy: the first 5,000 training images, in evaluation mode)")
for r in results {
    print("\(r.name): depth \(r.depth), shortcuts \(r.shortcuts ? "yes" : "no"), training loss \(r.train.loss.formatted(places: 4)), "
        + "training accuracy \(r.train.accuracy.formatted(places: 4)), test accuracy \(r.test.accuracy.formatted(places: 4))")
}
RunFolder.shared(options).close()   // curves.svg: the three networks' training curves, one per series
