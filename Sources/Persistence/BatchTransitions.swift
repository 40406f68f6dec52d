import ClipGenCore
import Foundation

/// What a batch becomes when one of its jobs ends, written once for every store: a store reads
/// the batch (locked) and its jobs' counts in the transaction that ended the job, and applies
/// what this answers.
public enum BatchTransitions {
    /// The batch ended with `event` (its last job's terminal `status` event): its final status and
    /// time, and its webhook when it has a URL. nil while jobs remain or when it ended already.
    public static func settled(_ batch: Batch, counts: BatchCounts, by event: JobEvent, at now: Date) -> (
        Batch, WebhookDelivery?
    )? {
        guard !batch.status.isTerminal, counts.status.isTerminal else { return nil }
        var ended = batch
        ended.status = counts.status
        ended.finishedAt = now
        ended.counts = counts
        let delivery = batch.webhookUrl.map { url in
            WebhookDelivery(
                id: Identifier.make(), organizationId: batch.organizationId, jobId: event.jobId, url: url, event: event,
                batch: ended, state: .pending, attempts: [], createdAt: now)
        }
        return (ended, delivery)
    }

    /// The terminal `status` event among a change's events, when the change ends a job of a batch.
    public static func endingEvent(of change: JobChange) -> (BatchID, JobEvent)? {
        guard let job = change.job, job.status.isTerminal, let batch = job.request.batch,
            let event = change.events.last(where: { $0.type == .status && $0.status.isTerminal })
        else { return nil }
        return (batch, event)
    }
}
