import FuzzTargets

#if FUZZING
    #if canImport(Glibc)
        import Glibc
    #endif

    /// The target, from `SWITCHYARD_FUZZ_TARGET` (scripts/fuzz.sh sets it), read once.
    nonisolated(unsafe) private var selected: FuzzTarget? = nil

    /// libFuzzer's driver, run from this executable's entry point: SwiftPM links an executable's `main` to
    /// `<module>_main`, so libFuzzer's own `main` is not used.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    /// The executable's entry point in a fuzzing build.
    @_cdecl("SwitchyardFuzz_main")
    package func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return runDriver(&count, &arguments) { data, size in fuzzOne(data, size) }
    }

    /// One input (built with `-sanitize=fuzzer -DFUZZING`).
    @_cdecl("LLVMFuzzerTestOneInput")
    package func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        if selected == nil {
            let name = getenv("SWITCHYARD_FUZZ_TARGET").map { String(cString: $0) } ?? ""
            guard let target = FuzzTarget(rawValue: name) else {
                // Printed by the trap's message: stderr is not Sendable-safe to touch from here in Swift 6.
                fatalError("SWITCHYARD_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))")
            }
            selected = target
        }
        selected?.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
#else
    import Foundation

    /// Without the fuzzer: `switchyard-fuzz TARGET FILE|DIR…` runs the given inputs through a target once each (to
    /// reproduce a crash the fuzzer found, or replay a corpus).
    @main
    struct SwitchyardFuzz {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: switchyard-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE|DIR…")
                exit(2)
            }
            var count = 0
            for path in arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                let files =
                    isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
                    : [path]
                for file in files {
                    target.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                    count += 1
                }
            }
            print("\(target.rawValue): \(count) inputs ran")
        }
    }
#endif
