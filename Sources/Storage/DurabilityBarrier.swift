#if os(Linux)
    internal import CFileSystem
    import Glibc

    /// Makes every commit written so far to a data folder durable with one `syncfs(2)`: one device flush for all
    /// the partitions committed since the last barrier, instead of one `fdatasync` per partition transaction.
    ///
    /// Used with `PRAGMA synchronous=NORMAL`, under which SQLite's WAL stays consistent on power loss but may lose
    /// the last commits; a commit becomes durable once a barrier that started after it returns. Nothing is
    /// acknowledged before that. `syncfs` writes back the whole file system, so a data folder that shares its file
    /// system with heavy writers makes each barrier slower (docs/operations.md).
    package final class DurabilityBarrier: Sendable {
        /// The failure of a barrier, with the errno of `syncfs`.
        package struct Failure: Error, Sendable, CustomStringConvertible {
            /// The errno `syncfs` or `open` set.
            package let code: Int32
            /// Describes the failure.
            package var description: String { "syncfs failed: errno \(code)" }
        }

        private let descriptor: Int32

        /// Opens the folder whose file system the barrier flushes.
        package init(directory: String) throws(Failure) {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure(code: errno) }
            descriptor = fd
        }

        deinit { close(descriptor) }

        /// Blocks until every write issued before the call is on stable storage.
        package func sync() throws(Failure) {
            while cfs_syncfs(descriptor) != 0 {
                guard errno == EINTR else { throw Failure(code: errno) }
            }
        }
    }
#endif
