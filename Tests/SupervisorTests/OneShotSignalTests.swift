import Testing

@testable import Supervisor

@Suite struct OneShotSignalTests {
    @Test func aWaitEndsWhenTheSignalFiresBeforeOrAfterIt() async {
        let early = OneShotSignal()
        early.fire()
        await early.wait()
        let late = OneShotSignal()
        async let waited: Void = late.wait()
        late.fire()
        late.fire()
        await waited
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledWaitEndsWithoutTheSignal() async {
        let never = OneShotSignal()
        let waiter = Task { await never.wait() }
        waiter.cancel()
        await waiter.value
        // Still usable: a later wait ends when it fires.
        async let waited: Void = never.wait()
        never.fire()
        await waited
    }
}
