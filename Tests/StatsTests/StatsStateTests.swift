import Stats
import Testing

@Suite struct StatsStateTests {
    func session(_ n: UInt64, modules: Int64, score: Double, time: Double = 1000) -> StatsSession {
        StatsSession(
            sessionID: StatsID(high: 1, low: n), totalModulesStudied: modules, averageScore: score, timeStudied: time)
    }

    @Test func averageIsWeightedByModules() {
        let stats = CourseStats()
            .adding(session(1, modules: 3, score: 80))
            .adding(session(2, modules: 1, score: 100))
            .adding(session(3, modules: 0, score: 10))
        #expect(stats.sessions == 3)
        #expect(stats.totalModulesStudied == 4)
        #expect(stats.averageScore == 85)
        #expect(stats.timeStudied == 3000)
    }

    @Test func withoutModulesTheAverageIsThePlainMean() {
        let stats = CourseStats().adding(session(1, modules: 0, score: 40)).adding(session(2, modules: 0, score: 50))
        #expect(stats.averageScore == 45)
        #expect(stats.totalModulesStudied == 0)
        #expect(CourseStats().averageScore == 0)
    }

    @Test func manySessionsKeepExactIntegerSums() {
        var stats = CourseStats()
        for n in 1...10_000 { stats = stats.adding(session(UInt64(n), modules: Int64(n % 7), score: 50, time: 0.5)) }
        #expect(stats.sessions == 10_000)
        #expect(stats.totalModulesStudied == (1...10_000).reduce(0) { $0 + Int64($1 % 7) })
        #expect(stats.averageScore == 50)
        #expect(stats.timeStudied == 5000)
    }

    @Test func recordStoresRetriesAndConflicts() {
        let first = session(1, modules: 2, score: 90)
        guard case .stored(let course) = StatsState.record(first, existing: nil, course: nil) else {
            Issue.record("not stored")
            return
        }
        #expect(course == CourseStats().adding(first))
        #expect(StatsState.record(first, existing: first, course: course) == .retry)
        var changed = first
        changed.timeStudied += 1
        #expect(StatsState.record(changed, existing: first, course: course) == .conflict)
        let second = session(2, modules: 1, score: 60)
        #expect(StatsState.record(second, existing: nil, course: course) == .stored(course: course.adding(second)))
    }
}
