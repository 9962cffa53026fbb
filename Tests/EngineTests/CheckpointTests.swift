import Foundation
import Testing
@testable import Engine

@Suite("Checkpoints")
struct CheckpointTests {
    @Test func namesAndShapesAreAPyTorchStateDict() {
        let model = Models.tutorialCNN(seed: 1)
        let state = Checkpoint.stateDictionary(model)
        #expect(state.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                      "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(state.map(\.tensor.shape) == [[32, 1, 5, 5], [32], [64, 32, 5, 5], [64], [1024, 3136], [1024], [10, 1024], [10]])
        // fc2.weight is (out, in): row j holds the weights into output j, column j of the engine's (in, out).
        let fc2 = model.parameters[6].value
        #expect(state[6].tensor[3, 700] == fc2[700, 3])
        #expect(Models.simpleCNN(seed: 1).parameters.count == 8 && Checkpoint.dropouts(Models.simpleCNN(seed: 1)).map(\.name) == ["dropout1"])
    }

    @Test func weightsSurviveTheRoundTrip() throws {
        let trained = Models.simpleCNN(seed: 1), fresh = Models.simpleCNN(seed: 2)
        let file = try SafetensorsFile.decode(Checkpoint.file(model: trained, step: 5, metadata: ["model": "simplecnn"]).encoded())
        #expect(file.metadata["step"] == "5" && file.metadata["format"] == Checkpoint.format)
        #expect(fresh.parameters.map(\.value) != trained.parameters.map(\.value))
        try Checkpoint.loadWeights(file, into: fresh)
        #expect(fresh.parameters.map(\.value) == trained.parameters.map(\.value))
    }

    @Test func theWrongModelIsExplained() throws {
        let tutorial = SafetensorsFile(tensors: Checkpoint.stateDictionary(Models.tutorialCNN(seed: 1)))
        #expect(throws: SafetensorsError("conv1.weight has shape [32, 1, 5, 5] but this model's is [32, 1, 3, 3] (a different model?)")) {
            try Checkpoint.loadWeights(tutorial, into: Models.simpleCNN(seed: 1))
        }
        var partial = tutorial
        partial.tensors.removeLast(2)
        #expect(throws: SafetensorsError("it lacks fc2.weight, fc2.bias (does it hold a different model?)")) {
            try Checkpoint.loadWeights(partial, into: Models.tutorialCNN(seed: 1))
        }
        var extra = tutorial
        extra.tensors.append(("fc3.weight", Tensor(zeros: [1, 1])))
        #expect(throws: SafetensorsError("it holds tensors this model does not have: fc3.weight (a different model?)")) {
            try Checkpoint.loadWeights(extra, into: Models.tutorialCNN(seed: 1))
        }
        var sampler = BatchSampler(SyntheticDigits.imageSet(count: 40, firstIndex: 0, seed: 1), batchSize: 8, seed: 1)
        #expect(throws: SafetensorsError("it is not a training checkpoint: metadata optimizer.step is missing or not a whole number "
            + "(a file written by --save at the end of a run, or by a checkpoint, is one)")) {
            _ = try Checkpoint.restore(SafetensorsFile(tensors: tutorial.tensors, metadata: ["step": "3"]),
                                       model: Models.tutorialCNN(seed: 1), optimizer: Adam(), sampler: &sampler)
        }
    }

    @Test func randomStateRoundTrips() {
        var rng = RandomSource(seed: 9)
        _ = rng.normal()   // leaves a spare normal
        var copy = RandomSource(savedState: rng.savedState)!
        #expect((0..<5).map { _ in copy.normal() } == (0..<5).map { _ in rng.normal() })
        #expect(RandomSource(savedState: "xoshiro256** 0 0 0 0") == nil && RandomSource(savedState: "mt19937 1 2 3 4") == nil)
    }

    /// N steps straight equal N/2 steps, a checkpoint through bytes, fresh objects, and N/2 more:
    /// the parameters agree bit for bit (the SimpleCNN has dropout, so its random stream matters too).
    @Test func resumedTrainingIsBitIdentical() throws {
        let set = SyntheticDigits.imageSet(count: 50, firstIndex: 0, seed: 4)   // 6 batches of 8 per epoch: crosses epochs
        func train(_ model: Sequential, _ optimizer: Adam, _ sampler: inout BatchSampler, steps: ClosedRange<Int>) {
            for _ in steps {
                let (images, labels) = sampler.next()
                let (_, dLogits) = softmaxCrossEntropy(logits: model.forward(images, mode: .training), labels: labels)
                model.zeroGradients()
                _ = model.backward(dLogits)
                optimizer.step(model.parameters)
            }
        }
        let first = Models.simpleCNN(seed: 3), firstAdam = Adam(learningRate: 1e-3)
        var firstBatches = BatchSampler(set, batchSize: 8, seed: 3)
        train(first, firstAdam, &firstBatches, steps: 1...7)
        firstAdam.learningRate = 5e-4   // a schedule's change is kept too
        let bytes = Checkpoint.file(model: first, optimizer: firstAdam, sampler: firstBatches, step: 7, metadata: [:]).encoded()

        let resumed = Models.simpleCNN(seed: 99), resumedAdam = Adam(learningRate: 1)
        var resumedBatches = BatchSampler(set, batchSize: 8, seed: 3)
        let step = try Checkpoint.restore(try SafetensorsFile.decode(bytes), model: resumed, optimizer: resumedAdam, sampler: &resumedBatches)
        #expect(step == 7 && resumedAdam.stepCount == 7 && resumedAdam.learningRate == 5e-4)
        train(resumed, resumedAdam, &resumedBatches, steps: 8...14)

        let fresh = Models.simpleCNN(seed: 3), freshAdam = Adam(learningRate: 1e-3)   // the same again, uninterrupted
        var freshBatches = BatchSampler(set, batchSize: 8, seed: 3)
        train(fresh, freshAdam, &freshBatches, steps: 1...7)
        freshAdam.learningRate = 5e-4
        train(fresh, freshAdam, &freshBatches, steps: 8...14)
        #expect(resumed.parameters.map(\.value) == fresh.parameters.map(\.value))
        // And a run that forgets the dropout stream would differ: the check can fail.
        let noStream = Models.simpleCNN(seed: 3), noStreamAdam = Adam()
        var noStreamBatches = BatchSampler(set, batchSize: 8, seed: 3)
        _ = try Checkpoint.restore(try SafetensorsFile.decode(bytes), model: noStream, optimizer: noStreamAdam, sampler: &noStreamBatches)
        (noStream.layers.compactMap { $0 as? Dropout }.first!).rng = RandomSource(seed: 0)
        train(noStream, noStreamAdam, &noStreamBatches, steps: 8...14)
        #expect(noStream.parameters.map(\.value) != fresh.parameters.map(\.value))
    }
}
