/// Fast element access for plain loops: `t[i]`, `t[i, j]`, `t[i, j, k]` and `t[n, c, h, w]`,
/// and `t.indices`, the flat positions for `t.scalars[i]` (book/tensor-cheatsheet.md shows them all).
///
/// They mean exactly what the variadic `t[index...]` in Tensor.swift means, with the same checks
/// and messages, but take a fixed number of indices and are inlinable, so a loop in another
/// module compiled with optimization (the exercises, the learner's layers) indexes at full speed
/// instead of building an array of indices for every element.
extension Tensor {
    @inlinable public subscript(i: Int) -> Float {
        get { scalars[checkedOffset(i)] }
        set { scalars[checkedOffset(i)] = newValue }
    }

    @inlinable public subscript(i: Int, j: Int) -> Float {
        get { scalars[checkedOffset(i, j)] }
        set { scalars[checkedOffset(i, j)] = newValue }
    }

    @inlinable public subscript(i: Int, j: Int, k: Int) -> Float {
        get { scalars[checkedOffset(i, j, k)] }
        set { scalars[checkedOffset(i, j, k)] = newValue }
    }

    @inlinable public subscript(n: Int, c: Int, h: Int, w: Int) -> Float {
        get { scalars[checkedOffset(n, c, h, w)] }
        set { scalars[checkedOffset(n, c, h, w)] = newValue }
    }

    // The row-major offset of an index; stops with the variadic subscript's message when the
    // index has the wrong number of components or one is out of bounds.
    @inlinable func checkedOffset(_ i: Int) -> Int {
        guard shape.count == 1, i >= 0, i < shape[0] else { indexFailure([i]) }
        return i
    }

    @inlinable func checkedOffset(_ i: Int, _ j: Int) -> Int {
        guard shape.count == 2, i >= 0, i < shape[0], j >= 0, j < shape[1] else { indexFailure([i, j]) }
        return i * shape[1] + j
    }

    @inlinable func checkedOffset(_ i: Int, _ j: Int, _ k: Int) -> Int {
        guard shape.count == 3, i >= 0, i < shape[0], j >= 0, j < shape[1], k >= 0, k < shape[2] else {
            indexFailure([i, j, k])
        }
        return (i * shape[1] + j) * shape[2] + k
    }

    @inlinable func checkedOffset(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int {
        guard shape.count == 4, n >= 0, n < shape[0], c >= 0, c < shape[1], h >= 0, h < shape[2], w >= 0, w < shape[3] else {
            indexFailure([n, c, h, w])
        }
        return ((n * shape[1] + c) * shape[2] + h) * shape[3] + w
    }

    /// The flat positions of the elements, `0..<count`, in storage (row-major) order: what
    /// `for i in t.indices` walks. Use them with `t.scalars[i]`, which reads any tensor by its flat
    /// position; `t[i]` is the index of a 1-D tensor and stops on any other shape.
    @inlinable public var indices: Range<Int> { scalars.indices }

    @usableFromInline func indexFailure(_ index: [Int]) -> Never {
        if index.count != shape.count {
            // The usual slip: `for i in t.indices { out[i] = … }` on a tensor of 2 or more dimensions.
            let flat = index.count == 1 && shape.count > 1 ? " (for the element at flat position \(index[0]), write .scalars[\(index[0])])" : ""
            fatalError("Tensor index \(index) has \(index.count) components; the shape \(shape) has \(shape.count)\(flat)")
        }
        fatalError("Tensor index \(index) is out of bounds for shape \(shape)")
    }
}
