import Wire

extension StatsID {
    /// Reads 16 bytes.
    static func read(from reader: inout ByteReader) throws(WireError) -> StatsID {
        let bytes = try reader.readBytes(16)
        guard let id = StatsID(bytes: bytes) else { throw WireError(.badValue, "stats id") }
        return id
    }
}

extension StatsSession {
    /// Writes the session: id (16 bytes), modules (u64), score (f64), time (f64).
    func write(to w: inout ByteWriter) {
        w.write(contentsOf: sessionID.bytes)
        w.write(UInt64(bitPattern: totalModulesStudied))
        w.write(averageScore)
        w.write(timeStudied)
    }

    /// Reads a session, rejecting values no validator lets through.
    static func read(from r: inout ByteReader) throws(WireError) -> StatsSession {
        let id = try StatsID.read(from: &r)
        let modules = Int64(bitPattern: try r.readUInt64())
        let score = try r.readDouble()
        let time = try r.readDouble()
        guard modules >= 0, score.isFinite, score >= 0, time.isFinite, time >= 0 else {
            throw WireError(.badValue, "invalid stats session")
        }
        return StatsSession(sessionID: id, totalModulesStudied: modules, averageScore: score, timeStudied: time)
    }
}

extension CourseStats {
    /// Writes the sums.
    func write(to w: inout ByteWriter) {
        w.write(UInt64(bitPattern: sessions))
        w.write(UInt64(bitPattern: totalModulesStudied))
        w.write(weightedScoreSum)
        w.write(scoreSum)
        w.write(timeStudied)
    }

    /// Reads the sums.
    static func read(from r: inout ByteReader) throws(WireError) -> CourseStats {
        let sessions = Int64(bitPattern: try r.readUInt64())
        let modules = Int64(bitPattern: try r.readUInt64())
        let weighted = try r.readDouble()
        let scores = try r.readDouble()
        let time = try r.readDouble()
        guard sessions > 0, modules >= 0, weighted.isFinite, scores.isFinite, time.isFinite else {
            throw WireError(.badValue, "invalid course stats")
        }
        return CourseStats(
            sessions: sessions, totalModulesStudied: modules, weightedScoreSum: weighted, scoreSum: scores,
            timeStudied: time)
    }
}
