/// A multi-dimensional array of `Float`, stored row-major (the last index varies fastest).
///
/// `Tensor` is a value type: `var b = a; b.scalars[0] = 1` leaves `a` alone. The storage is a
/// Swift `Array`, which is copy-on-write, so copies are free until one of them is written to.
///
/// Images use NCHW order: a batch of N images with C channels of H×W pixels has shape
/// `[N, C, H, W]`; a batch of flat feature vectors has shape `[N, features]`.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, e.g. `[100, 784]` for a batch of 100 flattened digits.
    public private(set) var shape: [Int]
    /// All elements, row-major. `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor with the given shape and elements. The element count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
            fatalError("Tensor(shape: \(shape)): the shape holds \(shape.reduce(1, *)) elements but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape with every element equal to `value` (zero by default).
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    public init(repeating value: Float, shape: [Int]) {
        guard shape.allSatisfy({ $0 >= 0 }) else { fatalError("Tensor: negative dimension in shape \(shape)") }
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor whose elements `initialize` writes, every one of them, without zeroing them first
    /// (kernels that overwrite their outputs completely use this).
    init(uninitializedShape shape: [Int], _ initialize: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            if count > 0 { initialize(buffer) }
            initializedCount = count
        }
        self.init(shape: shape, scalars: scalars)
    }

    /// The number of elements.
    public var count: Int { scalars.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements viewed with another shape of the same element count (like numpy's reshape).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        guard newShape.reduce(1, *) == count else {
            fatalError("reshape: cannot view \(count) elements of shape \(shape) as shape \(newShape)")
        }
        return Tensor(shape: newShape, scalars: scalars)
    }

    /// Reads or writes one element by its full index, e.g. `t[2, 7]`. Convenient, not fast:
    /// hot loops go through `scalars.withUnsafeBufferPointer` instead.
    public subscript(index: Int...) -> Float {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    private func offset(of index: [Int]) -> Int {
        guard index.count == shape.count else {
            fatalError("Tensor index \(index) has \(index.count) components; the shape \(shape) has \(shape.count)")
        }
        var offset = 0
        for (i, n) in zip(index, shape) {
            guard i >= 0 && i < n else { fatalError("Tensor index \(index) is out of bounds for shape \(shape)") }
            offset = offset * n + i
        }
        return offset
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

import Foundation  // String(format:)

// MARK: - Whole-tensor arithmetic used by layers and optimizers

extension Tensor {
    /// Sets every element to zero, keeping the shape (used to clear gradients).
    public mutating func zero() {
        scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// `self += scale * other`, element by element (the "axpy" of BLAS).
    public mutating func add(_ other: Tensor, scaledBy scale: Float = 1) {
        guard other.count == count else {
            fatalError("add: shapes \(shape) and \(other.shape) hold different element counts")
        }
        scalars.withUnsafeMutableBufferPointer { y in
            other.scalars.withUnsafeBufferPointer { x in
                for i in 0..<y.count { y[i] += scale * x[i] }
            }
        }
    }

    /// Every element multiplied by `scale`.
    public static func * (scale: Float, tensor: Tensor) -> Tensor {
        var result = tensor
        result.scalars.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] *= scale } }
        return result
    }

    /// The sum of all elements, accumulated in Double so large tensors do not lose precision.
    public func sum() -> Float {
        scalars.withUnsafeBufferPointer { p in
            var total = 0.0
            for v in p { total += Double(v) }
            return Float(total)
        }
    }

    /// The mean and (population) standard deviation of all elements.
    public func meanAndStandardDeviation() -> (mean: Float, std: Float) {
        guard count > 0 else { return (0, 0) }
        return scalars.withUnsafeBufferPointer { p in
            var sum = 0.0, sumSquares = 0.0
            for v in p { sum += Double(v); sumSquares += Double(v) * Double(v) }
            let mean = sum / Double(p.count)
            let variance = max(0, sumSquares / Double(p.count) - mean * mean)
            return (Float(mean), Float(variance.squareRoot()))
        }
    }

    /// For a `[rows, columns]` tensor: the column index of the largest element in each row.
    public func argmaxRows() -> [Int] {
        guard rank == 2 else { fatalError("argmaxRows: expected a 2-D tensor, got shape \(shape)") }
        let rows = shape[0], columns = shape[1]
        return scalars.withUnsafeBufferPointer { p in
            (0..<rows).map { r in
                var best = 0
                var bestValue = -Float.infinity
                for c in 0..<columns where p[r * columns + c] > bestValue {
                    bestValue = p[r * columns + c]
                    best = c
                }
                return best
            }
        }
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}
