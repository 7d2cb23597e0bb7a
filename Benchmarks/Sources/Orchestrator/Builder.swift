import Foundation

/// Builds the executables a session needs in release mode before it measures anything.
enum Builder {
    /// A build step failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Builds `ringway` in the root package (unless `skipRingway`) and `products` in the Benchmarks package.
    static func build(paths: Paths, products: [String], skipRingway: Bool = false, timeout: Double = 3600) throws {
        var steps = skipRingway ? [] : [(paths.root, "ringway")]
        steps += products.map { (paths.benchmarks, $0) }
        for (directory, product) in steps {
            log("building \(product) (\(directory.lastPathComponent))")
            let status = try ChildProcess.runInheritingOutput(
                ["swift", "build", "-c", "release", "--product", product], directory: directory, timeout: timeout)
            guard status == 0 else {
                throw Failure(description: "swift build --product \(product) failed with status \(status)")
            }
        }
    }
}

/// Progress for people, on stderr (stdout ends with the summary tables).
func log(_ message: String) {
    FileHandle.standardError.write(Data("[ringway-bench] \(message)\n".utf8))
}
