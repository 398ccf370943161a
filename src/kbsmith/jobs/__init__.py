"""The durable job queue: jobs are rows, enqueued in the caller's transaction."""
