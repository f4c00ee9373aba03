import Foundation
import Presence
import Stats
import Steps
import Storage
import Testing

@Suite struct StatsRepositoryTests {
    let user = StatsID(high: 1, low: 1)
    let other = StatsID(high: 2, low: 2)
    let course = StatsID(high: 10, low: 10)

    func session(_ n: UInt64, modules: Int64 = 2, score: Double = 50, time: Double = 100) -> StatsSession {
        StatsSession(
            sessionID: StatsID(high: 7, low: n), totalModulesStudied: modules, averageScore: score, timeStudied: time)
    }

    @Test func recordsReadsAndAggregates() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let a = session(1, modules: 3, score: 80, time: 1000)
        let b = session(2, modules: 1, score: 100, time: 500.5)
        let replies = try db.writeSync { db in
            try StatsRepository.apply(
                [
                    .course(user: user, course: course),
                    .record(user: user, course: course, session: a),
                    .record(user: user, course: course, session: b),
                    .session(user: user, course: course, session: a.sessionID),
                ], in: db)
        }
        #expect(replies == [.course(nil), .recorded(a), .recorded(b), .session(a)])
        let stats = try db.writeSync { try StatsRepository.course(user: user, course: course, in: $0) }
        #expect(stats == CourseStats().adding(a).adding(b))
        #expect(stats?.averageScore == 85)
        #expect(stats?.timeStudied == 1500.5)
    }

    @Test func retriesAreAnsweredAndConflictsRefusedWithoutCountingTwice() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let a = session(1)
        var changed = a
        changed.averageScore = 51
        let replies = try db.writeSync { db in
            try StatsRepository.apply(
                [
                    .record(user: user, course: course, session: a), .record(user: user, course: course, session: a),
                    .record(user: user, course: course, session: changed),
                ], in: db)
        }
        #expect(replies == [.recorded(a), .recorded(a), .conflict])
        // A later transaction sees the same: one session counted, the stored body unchanged.
        let later = try db.writeSync { db in
            try StatsRepository.apply(
                [
                    .record(user: user, course: course, session: a), .course(user: user, course: course),
                    .session(user: user, course: course, session: a.sessionID),
                ], in: db)
        }
        #expect(later == [.recorded(a), .course(CourseStats().adding(a)), .session(a)])
    }

    @Test func statsArePrivatePerUserAndCourse() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let a = session(1)
        let otherCourse = StatsID(high: 11, low: 11)
        let replies = try db.writeSync { db in
            try StatsRepository.apply(
                [
                    .record(user: user, course: course, session: a),
                    .course(user: other, course: course), .session(user: other, course: course, session: a.sessionID),
                    .course(user: user, course: otherCourse),
                    .session(user: user, course: otherCourse, session: a.sessionID),
                    // The same session id in another course is another session.
                    .record(user: user, course: otherCourse, session: session(1, modules: 9)),
                ], in: db)
        }
        #expect(
            replies == [
                .recorded(a), .course(nil), .session(nil), .course(nil), .session(nil),
                .recorded(session(1, modules: 9)),
            ])
    }

    @Test func aMixedTransactionAnswersEachProductInArrivalOrder() throws {
        let db = try PartitionDatabase(path: ":memory:", partition: 0)
        let a = session(1)
        let memory = PartitionMemory(presence: PresenceState(settings: PresenceSettings()), openedAt: 0)
        let replies = try db.writeSync { db in
            try PartitionRepository.apply(
                [
                    .steps(.update(StepsUpdate(updateID: "u1", username: "jenna", ts: 1, newSteps: 5))),
                    .stats(.record(user: user, course: course, session: a)),
                    .steps(.get(username: "jenna")),
                    .stats(.course(user: user, course: course)),
                ], in: db, memory: memory, now: 0
            ).replies
        }
        #expect(
            replies == [
                .steps(.updated(duplicate: false)), .stats(.recorded(a)),
                .steps(.user(UserSteps(cumulativeSteps: 5, ts: 1, appliedCount: 1))),
                .stats(.course(CourseStats().adding(a))),
            ])
    }

    @Test func aFileKeepsSessionsAcrossReopening() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stats-\(UInt64.random(in: 0...UInt64.max)).sqlite"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = session(1)
        do {
            let db = try PartitionDatabase(path: path, partition: 0)
            _ = try db.writeSync {
                try StatsRepository.apply([.record(user: user, course: course, session: a)], in: $0)
            }
            try db.close()
        }
        let reopened = try PartitionDatabase(path: path, partition: 0)
        let stored = try reopened.writeSync {
            try StatsRepository.session(a.sessionID, user: user, course: course, in: $0)
        }
        #expect(stored == a)
        try reopened.close()
    }
}
