// Chapter 01 · Reference solution for Exercises/01-NumericalGradient.swift.
import Engine

public func numericalGradient(of f: ([Double]) -> Double, at x: [Double], step h: Double) -> [Double] {
    var point = x
    var gradient = [Double](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let original = point[i]
        point[i] = original + h
        let up = f(point)
        point[i] = original - h
        let down = f(point)
        point[i] = original                        // put it back before nudging the next coordinate
        gradient[i] = (up - down) / (2 * h)
    }
    return gradient
}
