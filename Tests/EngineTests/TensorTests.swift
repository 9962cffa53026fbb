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

    @Test func argmaxRows() {
        let t = Tensor(shape: [2, 3], scalars: [0, 3, 1, 9, -1, 2])
        #expect(t.argmaxRows() == [1, 0])
    }
}
