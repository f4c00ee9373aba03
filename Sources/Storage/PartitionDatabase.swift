package import Dispatch
import Foundation
package import GRDB
import Synchronization

/// One partition's SQLite database (WAL), opened by the worker that owns the partition.
///
/// Only one process may own a partition at a time; within it this type serialises every transaction on GRDB's
/// writer queue, so a batch of commands is one transaction (group commit).
package final class PartitionDatabase: Sendable {
    /// The partition this file belongs to.
    package let partition: UInt16
    /// Where the file lives (`:memory:` for tests).
    package let path: String
    private let queue: DatabaseQueue
    /// A read-only connection for `readNow`, opened at its first use (none for `:memory:`); its own serial queue
    /// targets nothing, so a read on it runs on the calling thread whatever the commit threads are doing.
    private let reader = Mutex<DatabaseQueue?>(nil)
    /// Pages the read-only connection caches (SQLite's default would let each partition's reader grow to 2 MiB;
    /// its reads are point lookups whose pages the system's page cache keeps anyway).
    static let readerCachePages = 64

    /// Opens (creating if needed) the partition's file and migrates it. Transactions run on `writeTargetQueue` when
    /// given (a worker shares a few such queues among its partitions to bound its commit threads).
    package init(
        path: String, partition: UInt16, durability: Durability = .full, writeTargetQueue: DispatchQueue? = nil
    ) throws {
        self.partition = partition
        self.path = path
        var config = Configuration()
        config.label = "partition-\(partition)"
        config.writeTargetQueue = writeTargetQueue
        if path == ":memory:" {
            queue = try DatabaseQueue(configuration: config)
        } else {
            config.journalMode = .wal
            config.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: config)
            // Set after opening: GRDB's own setup may change synchronous after prepareDatabase runs.
            let pragma = durability == .full ? "FULL" : "NORMAL"
            try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = \(pragma)") }
        }
        try Self.migrator.migrate(queue)
    }

    /// The file name of partition `p` inside a data folder: `p-0007.sqlite`.
    package static func fileName(partition p: UInt16) -> String {
        let digits = String(p)
        return "p-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".sqlite"
    }

    /// Runs `body` in one write transaction on the database's writer queue and calls `completion` there with the
    /// outcome, once the transaction is committed (or rolled back). No Swift-concurrency hop: the group-commit
    /// pipeline chains transactions from the completion.
    package func asyncWrite<T>(
        _ body: @escaping @Sendable (Database) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        queue.asyncWrite(body) { _, result in completion(result) }
    }

    /// Runs `body` in one write transaction on the calling thread.
    package func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write(body)
    }

    /// Runs `body` on the calling thread on a read-only connection to the file, outside any write transaction;
    /// nil when the database has none (`:memory:`). Each statement reads the last committed state, so call it only
    /// when no transaction of this partition is running or unanswered (the lane decides).
    package func readNow<T>(_ body: (Database) throws -> T) throws -> T? {
        guard path != ":memory:" else { return nil }
        let connection = try reader.withLock { reader in
            if let reader { return reader }
            var config = Configuration()
            config.label = "partition-\(partition)-reader"
            config.readonly = true
            // The I/O thread waits on it: a busy file (a recovery in progress) sends the read the queued way.
            config.busyMode = .timeout(0.05)
            config.prepareDatabase { try $0.execute(sql: "PRAGMA cache_size = \(Self.readerCachePages)") }
            let opened = try DatabaseQueue(path: path, configuration: config)
            reader = opened
            return opened
        }
        // No explicit transaction: each statement is its own read, and a batch of reads on an idle partition
        // sees one state anyway.
        return try connection.inDatabase(body)
    }

    /// Checkpoints the WAL and closes the file.
    package func close() throws {
        // The reader first: a TRUNCATE checkpoint cannot reset the log under another connection's snapshot.
        try reader.withLock { reader in
            try reader?.close()
            reader = nil
        }
        if path != ":memory:" {
            try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        try queue.close()
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        // Names and ids are stored as their UTF-8 bytes (BLOB): SQLite's text binding stops at U+0000, which would
        // merge distinct names that differ after it.
        m.registerMigration("steps-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE steps_users(
                        username BLOB PRIMARY KEY NOT NULL,
                        cumulative_steps REAL NOT NULL,
                        ts REAL NOT NULL,
                        applied_count INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE steps_applied(
                        username BLOB NOT NULL,
                        update_id BLOB NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY(username, update_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX steps_applied_by_seq ON steps_applied(username, seq);
                    """)
        }
        // Ids leave the window in bulk (StepsState), deleted by scanning the user's primary-key range; without
        // this index an update dirties one page of remembered ids instead of two.
        m.registerMigration("steps-v2-no-seq-index") { db in
            try db.execute(sql: "DROP INDEX steps_applied_by_seq")
        }
        // Learning stats (contracts §2): ids are 16-byte UUIDs; a course's sums live next to its sessions.
        m.registerMigration("stats-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE stats_sessions(
                        user_id BLOB NOT NULL,
                        course_id BLOB NOT NULL,
                        session_id BLOB NOT NULL,
                        total_modules INTEGER NOT NULL,
                        average_score REAL NOT NULL,
                        time_studied REAL NOT NULL,
                        PRIMARY KEY(user_id, course_id, session_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE stats_courses(
                        user_id BLOB NOT NULL,
                        course_id BLOB NOT NULL,
                        sessions INTEGER NOT NULL,
                        total_modules INTEGER NOT NULL,
                        weighted_score_sum REAL NOT NULL,
                        score_sum REAL NOT NULL,
                        time_studied REAL NOT NULL,
                        PRIMARY KEY(user_id, course_id)
                    ) WITHOUT ROWID;
                    """)
        }
        // Presence (contracts §3): what each user last sent and when; `away` is derived from the time.
        m.registerMigration("presence-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE presence_users(
                        user_id BLOB PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL,
                        last_ping INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        // Lobby (contracts §4): only the lobby's partition fills these; the list order is `position`.
        m.registerMigration("lobby-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lobby_tables(
                        id INTEGER PRIMARY KEY NOT NULL,
                        position INTEGER NOT NULL,
                        name BLOB NOT NULL,
                        participants INTEGER NOT NULL
                    );
                    CREATE TABLE lobby_users(
                        username BLOB PRIMARY KEY NOT NULL,
                        password TEXT NOT NULL,
                        user_type TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE lobby_meta(
                        key TEXT PRIMARY KEY NOT NULL,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return m
    }
}
