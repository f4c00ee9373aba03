import Fleet
import Testing
import Wire

@Suite struct ProcessCountersTests {
    @Test func openConnectionsGoUpAndDownAndNeverBelowZero() throws {
        let counters = ProcessCounters()
        let steps = try #require(EdgeCounter.openConnections(of: .steps))
        counters.adjust(steps, by: 1)
        counters.adjust(steps, by: 1)
        counters.adjust(steps, by: -1)
        #expect(counters.value(of: steps) == 1)
        counters.adjust(steps, by: -5)
        #expect(counters.value(of: steps) == 0)
        counters.adjust(steps, by: 2)
        // Carried by the heartbeat like any other edge counter, and read back as a state with its product.
        let beat = try HeartbeatMessage(decoding: counters.heartbeat(droppedOutbound: 0).encoded())
        #expect(beat.edge[steps] == 2)
        #expect(steps.isState && steps.product == .steps)
        #expect(EdgeCounter.openConnections(of: .fleet) == nil)
        #expect(
            ProductCode.allCases.compactMap { EdgeCounter.openConnections(of: $0)?.product }
                == ProductCode.clientProducts)
    }

    @Test func perProductCountersNameTheirProductAndBelongToOneRole() {
        for product in ProductCode.clientProducts {
            let counters = [
                EdgeCounter.messagesIn(of: product), EdgeCounter.messagesOut(of: product),
                EdgeCounter.commandsApplied(of: product),
            ]
            #expect(counters.allSatisfy { $0?.product == product && $0?.isState == false })
            #expect(Set(counters.compactMap { $0?.metricName }).count == 3)
        }
        #expect(EdgeCounter.messagesIn(of: .fleet) == nil && EdgeCounter.commandsApplied(of: .fleet) == nil)
        #expect(EdgeCounter.headerTimeout.product == nil && EdgeCounter.linkRefused.product == nil)
        // Workers count what they applied; gateways never report those, and count their messages instead.
        #expect(EdgeCounter.workerCounters.contains(.lobbyCommandsApplied))
        #expect(!EdgeCounter.gatewayCounters.contains(.lobbyCommandsApplied))
        #expect(EdgeCounter.gatewayCounters.contains(.lobbyMessagesOut))
        // Every code fits the counters' fixed table.
        #expect(EdgeCounter.allCases.allSatisfy { $0.rawValue < 64 })
    }

    @Test func observationsLandInTheFirstBucketTheyDoNotExceedAndTravelInTheHeartbeat() throws {
        let counters = ProcessCounters()
        // Bounds are "less than or equal" (Prometheus's le): 1 is the first bucket, 3 the third (≤ 4).
        for value: UInt64 in [1, 1, 3, 4, 5, 5_000] { counters.observe(.transactionCommands, value) }
        let sizes = counters.histogram(MeasureKey(.transactionCommands))
        #expect(sizes.buckets.count == Measure.transactionCommands.bucketCount)
        #expect(Array(sizes.buckets.prefix(4)) == [2, 0, 2, 1])
        #expect(sizes.buckets.last == 1)
        #expect(sizes.sum == 5_014 && sizes.count == 6)
        // Per product: each product's histogram is its own.
        counters.observe(.requestDuration, product: .stats, 40)
        counters.observe(.requestDuration, product: .stats, 20_000_000)
        #expect(counters.histogram(MeasureKey(.requestDuration, product: .stats)).buckets.first == 1)
        #expect(counters.histogram(MeasureKey(.requestDuration, product: .stats)).buckets.last == 1)
        #expect(counters.histogram(MeasureKey(.requestDuration, product: .steps)).count == 0)
        counters.observeDuration(.commitDuration, since: ContinuousClock.now - .milliseconds(3))
        let commit = counters.histogram(MeasureKey(.commitDuration))
        #expect(commit.count == 1 && commit.sum >= 3_000 && commit.buckets[5] + commit.buckets[6] == 1)

        let beat = try HeartbeatMessage(decoding: counters.heartbeat(droppedOutbound: 0).encoded())
        #expect(beat.histograms.count == 3)
        #expect(beat.histograms[MeasureKey(.transactionCommands)] == sizes)
        #expect(beat.histograms[MeasureKey(.requestDuration, product: .steps)] == nil)
    }

    @Test func everyMeasureFitsTheAtomicHistogram() {
        for measure in Measure.allCases {
            #expect(measure.bucketCount <= 24)
            #expect(measure.bounds == measure.bounds.sorted() && Set(measure.bounds).count == measure.bounds.count)
        }
    }
}
