/// The learning-stats transition function for recording one session: pure, so storage and tests share it.
package enum StatsState {
    /// What recording a session does.
    package enum Transition: Sendable, Hashable {
        /// A new session: store it, and store the course's statistics as `course`.
        case stored(course: CourseStats)
        /// The same session, identical, was recorded before: answer it again, change nothing.
        case retry
        /// The session id was recorded before with a different body: change nothing, answer a conflict.
        case conflict
    }

    /// Records `session` in a course whose statistics are `course` (nil: no session yet), given the session stored
    /// under the same id in that course, if any.
    package static func record(_ session: StatsSession, existing: StatsSession?, course: CourseStats?) -> Transition {
        if let existing { return existing == session ? .retry : .conflict }
        return .stored(course: (course ?? CourseStats()).adding(session))
    }
}
