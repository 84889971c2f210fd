// The job queue's one table. Postgres is the queue: a task is a row, claiming one is a row lock.
import { table, relations, serial, integer, text, timestamptz, jsonb, pgEnum, index, check } from "closql";

export const taskStatus = pgEnum("task_status", ["queued", "running", "done", "failed"]);

/** What a task carries. `kind` picks the handler; the rest is the handler's own input. */
export type TaskPayload = { readonly [key: string]: unknown };

export const tasks = table(
  "tasks",
  {
    id: serial().primaryKey(),
    /** Which handler runs it. */
    kind: text(),
    payload: jsonb<TaskPayload>().default({}),
    status: taskStatus().default("queued"),
    /** Runs so far (a claim counts one); the task fails for good once it reaches maxAttempts. */
    attempts: integer().default(0),
    maxAttempts: integer().default(5),
    /** Not claimed before this time: delayed tasks and retries after a backoff. */
    runAt: timestamptz().defaultNow(),
    /** Set by a claim: a `running` task whose lease expired is queued again (a crashed worker). */
    lockedAt: timestamptz().nullable(),
    lockedBy: text().nullable(),
    lastError: text().nullable(),
    createdAt: timestamptz().defaultNow(),
    finishedAt: timestamptz().nullable(),
  },
  (t) => [
    // Fits the claim query exactly: `WHERE status = 'queued' AND run_at < $1 ORDER BY
    // date_trunc('milliseconds', run_at AT TIME ZONE 'UTC'), id LIMIT 1` (a timestamp key another key
    // follows sorts by the millisecond a Date holds, in this form an index can hold).
    // Partial, so it only holds the (few) waiting tasks, not the (many) finished ones; closql inlines the
    // literal 'queued' in the claim's SQL, which is what lets the planner use a partial index.
    index("tasks_claim_idx")
      .expression("date_trunc('milliseconds', run_at AT TIME ZONE 'UTC')")
      .on(t.id)
      .where("status = 'queued'"),
    // The lease reaper: running tasks by claim time.
    index("tasks_running_idx").on(t.lockedAt).where("status = 'running'"),
    check("tasks_attempts_check", "attempts >= 0 AND max_attempts >= 1"),
  ],
);

export const schema = relations({ tasks });

export type Task = typeof tasks.$row;
export type NewTask = typeof tasks.$insert;
