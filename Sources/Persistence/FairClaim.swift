/// The claim's fairness between organisations, in the standard SQL both database stores run.
public enum FairClaim {
    /// The organisations with queued tasks, fairest first: the fewest tasks running (a claim
    /// adds one, so organisations alike take turns). Found by stepping through the
    /// `(status, organization_id, …)` index one organisation at a time (a loose index scan), so
    /// a backlog of thousands costs a claim no more than one task does. One column,
    /// `organization`; `now` is a number, written into the text.
    public static func organizationsByLoad(now: Double) -> String {
        """
        WITH RECURSIVE queued(organization) AS (
            SELECT (SELECT organization_id FROM tasks WHERE status = 'queued' ORDER BY organization_id LIMIT 1)
            UNION ALL
            SELECT (SELECT organization_id FROM tasks WHERE status = 'queued' AND organization_id > queued.organization
                    ORDER BY organization_id LIMIT 1)
            FROM queued WHERE queued.organization IS NOT NULL)
        SELECT organization FROM queued WHERE organization IS NOT NULL
        ORDER BY (SELECT count(*) FROM tasks WHERE status = 'leased' AND organization_id = queued.organization
                     AND lease_expires_at > \(now)), queued.organization
        """
    }
}
