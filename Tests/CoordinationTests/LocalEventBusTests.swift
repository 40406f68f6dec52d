import ClipGenCore
import Coordination
import Foundation
import TestSupport
import Testing

@Suite struct LocalEventBusTests {
    func event(_ job: JobID, _ sequence: Int64) -> JobEvent {
        JobEvent(
            sequence: sequence, type: .progress, jobId: job, organizationId: "o", status: .running, stage: .render,
            progress: Double(sequence) / 100, at: Date())
    }

    @Test func subscribersGetWhatTheirFilterAcceptsInOrder() async {
        let bus = LocalEventBus()
        let all = await bus.subscribe()
        let onlyB = await bus.subscribe { $0.jobId == "b" }
        await bus.publish([event("a", 1), event("b", 2), event("a", 3)])
        bus.finishAll()
        var fromAll: [Int64] = []
        var fromB: [Int64] = []
        for await event in all { fromAll.append(event.sequence) }
        for await event in onlyB { fromB.append(event.sequence) }
        #expect(fromAll == [1, 2, 3] && fromB == [2])
    }

    @Test func aSlowSubscriberLosesTheOldestNotTheBussMemory() async {
        let bus = LocalEventBus()
        let slow = await bus.subscribe(bufferLimit: 10) { _ in true }
        await bus.publish((1...1_000).map { event("a", $0) })
        bus.finishAll()
        var kept: [Int64] = []
        for await event in slow { kept.append(event.sequence) }
        #expect(kept == Array(991...1_000))
    }

    @Test func aSubscriberThatStopsListeningIsForgotten() async {
        let bus = LocalEventBus()
        do {
            let subscription = await bus.subscribe()
            let task = Task { for await _ in subscription {} }
            #expect(bus.subscriberCount == 1)
            task.cancel()
            await task.value
        }
        #expect(bus.subscriberCount == 0)
    }
}
