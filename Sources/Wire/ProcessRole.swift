/// The role of a fleet process.
package enum ProcessRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Terminates client protocols; keeps no product state.
    case gateway = 1
    /// Owns partitions and their SQLite files.
    case worker = 2

    /// Lower-case name, as in `/health`.
    package var description: String {
        switch self {
        case .gateway: "gateway"
        case .worker: "worker"
        }
    }
}
