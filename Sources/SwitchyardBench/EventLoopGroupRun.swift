import NIOPosix

/// Runs `body` on a fresh event-loop group of `threads` threads and shuts the group down afterwards, whether
/// `body` returned or threw: every load client's lifetime.
func withEventLoopGroup<Result>(
    threads: Int, _ body: (MultiThreadedEventLoopGroup) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    do {
        let result = try await body(group)
        try await group.shutdownGracefully()
        return result
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}
