import Testing
@testable import Engine

@Suite("Tensor")
struct TensorTests {
    @Test func valueSemantics() {
        let a = Tensor(zeros: [2, 3])
        var b = a
        b[1, 2] = 5
        #expect(a[1, 2] == 0)
        #expect(b[1, 2] == 5)
        #expect(b.scalars[5] == 5)
    }

    @Test func indicesAreTheFlatPositions() {
        let t = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.indices == 0..<6)
        #expect(t.indices.map { t.scalars[$0] } == t.scalars)
        #expect(Tensor(zeros: [0, 4]).indices.isEmpty)
        #expect(Tensor(shape: [], scalars: [7]).indices == 0..<1)
    }

    @Test func argmaxRows() {
        let t = Tensor(shape: [2, 3], scalars: [0, 3, 1, 9, -1, 2])
        #expect(t.argmaxRows() == [1, 0])
    }
}
