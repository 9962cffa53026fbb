// The one helper the exercise files share. You do not need to change this file.
import Foundation

/// Marks an exercise you have not written yet.
///
/// Every function in this folder ships with the single line `notStarted()` as its body. Replace
/// that line with your own code. Until you do, `swift test --filter Exercises` reports the
/// exercise as "not started" (a skipped test, never a failure) and `swift run progress` lists it
/// as not started.
///
/// Called anywhere else, it stops the program with a message naming the unwritten function.
public func notStarted(_ function: StaticString = #function, file: StaticString = #fileID) -> Never {
    // The grader recognizes an exercise that is not started by this exact prefix on standard error.
    FileHandle.standardError.write(Data("not started: \(function) in \(file)\n".utf8))
    exit(3)
}
