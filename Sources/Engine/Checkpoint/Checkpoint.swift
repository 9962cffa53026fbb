/// Saving and restoring a network, and everything a training run needs to continue, as a
/// safetensors file (Safetensors.swift).
///
/// Tensor names are those of a PyTorch `state_dict` for the same network, so the file loads into
/// PyTorch with `model.load_state_dict(safetensors.torch.load_file(path), strict=False)`:
///
///   conv1.weight  (out, in, kH, kW)   the engine's Conv2D layout already
///   conv1.bias    (out)
///   fc1.weight    (out, in)           TRANSPOSED: the engine's Linear keeps W as (in, out) for x · W,
///                                     PyTorch's nn.Linear keeps (out, in) for x · Wᵀ
///   fc1.bias      (out)
///
/// A training checkpoint adds Adam's moments under PyTorch's names, in the same layout as the
/// parameter (`optimizer.fc1.weight.exp_avg`, `optimizer.fc1.weight.exp_avg_sq`), and in the metadata
/// the step, Adam's step count and learning rate, the batch order's seed and position, and each
/// dropout layer's random state: enough for a resumed run to produce exactly the numbers of an
/// uninterrupted one.
public enum Checkpoint {
    /// The value of the metadata key "format".
    public static let format = "deep-learning-from-scratch checkpoint 1"

    /// One named parameter, and whether the file stores it transposed.
    struct Entry {
        let name: String
        let parameter: Parameter
        let transposed: Bool
    }

    /// The model's parameters under their state_dict names: convolutions (4-D weights) are conv1,
    /// conv2, …; fully connected layers (2-D weights) are fc1, fc2, …; any other layer with
    /// parameters is layers.<index>.<parameter name>.
    static func entries(_ model: Sequential) -> [Entry] {
        var convolutions = 0, linears = 0
        var result: [Entry] = []
        for (index, layer) in model.layers.enumerated() where !layer.parameters.isEmpty {
            let parameters = layer.parameters
            let rank = parameters[0].value.rank
            if parameters.count == 2 && (rank == 4 || rank == 2) && parameters[1].value.rank == 1 {
                let prefix: String
                if rank == 4 { convolutions += 1; prefix = "conv\(convolutions)" } else { linears += 1; prefix = "fc\(linears)" }
                result.append(Entry(name: "\(prefix).weight", parameter: parameters[0], transposed: rank == 2))
                result.append(Entry(name: "\(prefix).bias", parameter: parameters[1], transposed: false))
            } else {
                result += parameters.map { Entry(name: "layers.\(index).\($0.name)", parameter: $0, transposed: false) }
            }
        }
        return result
    }

    /// The dropout layers, named dropout1, dropout2, … (their random streams are training state).
    static func dropouts(_ model: Sequential) -> [(name: String, layer: Dropout)] {
        model.layers.compactMap { $0 as? Dropout }.enumerated().map { ("dropout\($0.offset + 1)", $0.element) }
    }

    /// The model's parameters as a state_dict: names and tensors in PyTorch's layout.
    public static func stateDictionary(_ model: Sequential) -> [(name: String, tensor: Tensor)] {
        entries(model).map { ($0.name, $0.transposed ? transpose($0.parameter.value) : $0.parameter.value) }
    }

    /// A file with the model's parameters, and, when given, the optimizer's and the batch order's
    /// state. `metadata` (model name, seed, dataset, test accuracy, …) is stored with them.
    public static func file(model: Sequential, optimizer: Adam? = nil, sampler: BatchSampler? = nil,
                            step: Int, metadata: [String: String]) -> SafetensorsFile {
        var tensors = stateDictionary(model)
        var info = metadata
        info["format"] = format
        info["step"] = String(step)
        if let optimizer {
            info["optimizer"] = "adam"
            info["optimizer.step"] = String(optimizer.stepCount)
            info["optimizer.learning_rate"] = String(optimizer.learningRate.bitPattern, radix: 16)   // exact
            for entry in entries(model) {
                guard let state = optimizer.moments[ObjectIdentifier(entry.parameter)] else { continue }
                let shape = entry.parameter.value.shape
                for (suffix, values) in [("exp_avg", state.m), ("exp_avg_sq", state.v)] {
                    let tensor = Tensor(shape: shape, scalars: values)
                    tensors.append(("optimizer.\(entry.name).\(suffix)", entry.transposed ? transpose(tensor) : tensor))
                }
            }
            for (name, dropout) in dropouts(model) { info["rng.\(name)"] = dropout.rng.savedState }
        }
        if let sampler {
            info["sampler.seed"] = String(sampler.seed)
            info["sampler.batch_size"] = String(sampler.batchSize)
            info["sampler.batches"] = String(sampler.batchesDrawn)
        }
        return SafetensorsFile(tensors: tensors, metadata: info)
    }

    /// Copies the file's parameters into `model`, after checking that it holds exactly the model's
    /// tensors (optimizer state aside) with the model's shapes.
    public static func loadWeights(_ file: SafetensorsFile, into model: Sequential) throws(SafetensorsError) {
        let expected = entries(model)
        let parameterNames = Set(file.tensors.map(\.name).filter { !$0.hasPrefix("optimizer.") })
        let missing = expected.map(\.name).filter { !parameterNames.contains($0) }
        let extra = parameterNames.subtracting(expected.map(\.name)).sorted()
        guard missing.isEmpty else {
            throw SafetensorsError("it lacks \(missing.joined(separator: ", ")) (does it hold a different model?)")
        }
        guard extra.isEmpty else {
            throw SafetensorsError("it holds tensors this model does not have: \(extra.joined(separator: ", ")) (a different model?)")
        }
        var values: [Tensor] = []
        for entry in expected {
            let stored = file[entry.name]!
            let shape = entry.parameter.value.shape
            let wanted = entry.transposed ? [shape[1], shape[0]] : shape
            guard stored.shape == wanted else {
                throw SafetensorsError("\(entry.name) has shape \(stored.shape) but this model's is \(wanted) (a different model?)")
            }
            values.append(entry.transposed ? transpose(stored) : stored)
        }
        for (entry, value) in zip(expected, values) { entry.parameter.value = value }
    }

    /// Restores a training checkpoint: the parameters, Adam's moments and step count and learning
    /// rate, the dropout streams, and moves `sampler` (freshly made with the checkpoint's seed and
    /// batch size) past the batches already trained on. Returns the step the checkpoint was taken at.
    public static func restore(_ file: SafetensorsFile, model: Sequential, optimizer: Adam,
                               sampler: inout BatchSampler) throws(SafetensorsError) -> Int {
        func number(_ key: String) throws(SafetensorsError) -> Int {
            guard let text = file.metadata[key], let n = Int(text), n >= 0 else {
                throw SafetensorsError("it is not a training checkpoint: metadata \(key) is missing or not a whole number "
                    + "(a file written by --save at the end of a run, or by a checkpoint, is one)")
            }
            return n
        }
        let step = try number("step"), adamSteps = try number("optimizer.step"), batches = try number("sampler.batches")
        guard file.metadata["optimizer"] == "adam", let rateText = file.metadata["optimizer.learning_rate"],
              let rateBits = UInt32(rateText, radix: 16) else {
            throw SafetensorsError("it holds no Adam state (metadata optimizer, optimizer.learning_rate)")
        }
        guard String(sampler.seed) == file.metadata["sampler.seed"], String(sampler.batchSize) == file.metadata["sampler.batch_size"] else {
            throw SafetensorsError("it was trained with --seed \(file.metadata["sampler.seed"] ?? "?") and --batch-size "
                + "\(file.metadata["sampler.batch_size"] ?? "?"); pass the same to continue it")
        }
        try loadWeights(file, into: model)

        var moments: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]
        for entry in entries(model) {
            let names = ["optimizer.\(entry.name).exp_avg", "optimizer.\(entry.name).exp_avg_sq"]
            let stored = names.compactMap { file[$0] }
            if stored.isEmpty && adamSteps == 0 { continue }
            let shape = entry.parameter.value.shape
            let wanted = entry.transposed ? [shape[1], shape[0]] : shape
            guard stored.count == 2, stored.allSatisfy({ $0.shape == wanted }) else {
                throw SafetensorsError("\(names[0]) and \(names[1]) must both be there, with shape \(wanted)")
            }
            let (m, v) = entry.transposed ? (transpose(stored[0]), transpose(stored[1])) : (stored[0], stored[1])
            moments[ObjectIdentifier(entry.parameter)] = (m.scalars, v.scalars)
        }
        var streams: [(Dropout, RandomSource)] = []
        for (name, dropout) in dropouts(model) {
            guard let text = file.metadata["rng.\(name)"], let rng = RandomSource(savedState: text) else {
                throw SafetensorsError("metadata rng.\(name) (the dropout layer's random state) is missing or malformed")
            }
            streams.append((dropout, rng))
        }
        guard sampler.batchesDrawn == 0 else { fatalError("Checkpoint.restore: the sampler must be fresh") }

        optimizer.moments = moments
        optimizer.stepCount = adamSteps
        optimizer.learningRate = Float(bitPattern: rateBits)
        for (dropout, rng) in streams { dropout.rng = rng }
        sampler.skip(batches)
        return step
    }

    /// A (rows, columns) matrix as (columns, rows).
    static func transpose(_ matrix: Tensor) -> Tensor {
        let rows = matrix.shape[0], columns = matrix.shape[1]
        var out = Tensor(zeros: [columns, rows])
        matrix.scalars.withUnsafeBufferPointer { a in
            out.scalars.withUnsafeMutableBufferPointer { t in
                for r in 0..<rows {
                    for c in 0..<columns { t[c * rows + r] = a[r * columns + c] }
                }
            }
        }
        return out
    }
}
