// "Postgres is the queue": enqueue is an INSERT (+ NOTIFY), claiming is `SELECT … FOR UPDATE SKIP
// LOCKED` in a short transaction, finishing is an UPDATE. Every function takes the database it runs
// on, so the same code runs on `db` or on a transaction's `tx`.
import type { Database } from "closql";
import { schema, Task, TaskPayload } from "./schema";

/** The channel enqueue notifies and workers listen on. */
export const CHANNEL = "tasks";

/** closql's Database for the queue's schema; `tx` in `db.transaction(async (tx) => …)` has the same type. */
export type QueueDb = Database<typeof schema>;

export interface EnqueueOptions {
  /** Not before this time (a delayed task). Default: now. */
  readonly runAt?: Date;
  readonly maxAttempts?: number;
}

/**
 * Adds tasks and wakes the workers. With several tasks: one statement (insertMany) and one
 * notification. Run it inside your own `db.transaction` to enqueue atomically with other writes:
 * PostgreSQL delivers a NOTIFY sent in a transaction only when it commits, so no worker wakes up
 * for a task it cannot see yet.
 */
export async function enqueue(
  db: QueueDb,
  jobs: readonly { readonly kind: string; readonly payload?: TaskPayload }[],
  options: EnqueueOptions = {},
): Promise<Task[]> {
  if (jobs.length === 0) return [];
  const runAt = options.runAt ?? new Date();
  const maxAttempts = options.maxAttempts;
  const inserted = await db.tasks.insertMany(
    jobs.map((j) => ({ kind: j.kind, payload: j.payload ?? {}, runAt, maxAttempts })),
  );
  // The payload is a hint only (workers claim from the table, never from the notification).
  await db.notify(CHANNEL, String(inserted.length));
  return inserted;
}

/**
 * Claims the next due task for `worker`, or returns undefined when there is none.
 *
 * One short transaction: lock the oldest due `queued` row that no other transaction has locked
 * (`FOR UPDATE SKIP LOCKED`: concurrent workers each get a different row, none waits for another),
 * mark it `running` with a lease, commit. The task then runs outside any transaction, so a slow
 * task holds no connection and no lock; a worker that dies mid-task leaves a `running` row whose
 * lease `requeueExpired` gives back to the queue.
 */
export async function claim(db: QueueDb, worker: string, now: Date = new Date()): Promise<Task | undefined> {
  return db.transaction(async (tx) => {
    const task = await tx.tasks
      .where((t) => t.status === "queued" && t.runAt <= now)
      .orderBy((t) => t.runAt)
      .orderBy((t) => t.id)
      .limit(1)
      .forUpdate({ skipLocked: true })
      .first();
    if (!task) return undefined;
    const [claimed] = await tx.tasks
      .where((t) => t.id === task.id)
      .update((t) => ({ status: "running", attempts: t.attempts + 1, lockedAt: now, lockedBy: worker }))
      .returning();
    return claimed;
  });
}

/**
 * Marks a claimed task done. Fenced by the claim (`locked_by` and `attempts`): if the lease expired
 * and another worker claimed the task again, this worker's late result changes nothing (false).
 */
export async function complete(db: QueueDb, task: Task): Promise<boolean> {
  const worker = claimant(task);
  const changed = await db.tasks
    .where((t) => t.id === task.id && t.status === "running" && t.lockedBy === worker && t.attempts === task.attempts)
    .update({ status: "done", finishedAt: new Date(), lockedAt: null, lockedBy: null, lastError: null });
  return changed === 1;
}

/** Delay before retry number `attempts` (1, 2, …): exponential with full jitter, capped. */
export function backoffMs(attempts: number, baseMs = 1000, capMs = 5 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Records a failed run: back to `queued` with `run_at` pushed out by the backoff while attempts
 * remain, else `failed` for good. Fenced like `complete`. Resolves to the new status, or undefined
 * when the claim was lost.
 */
export async function fail(
  db: QueueDb,
  task: Task,
  error: unknown,
  backoff: (attempts: number) => number = backoffMs,
): Promise<"queued" | "failed" | undefined> {
  const worker = claimant(task);
  const final = task.attempts >= task.maxAttempts;
  const status = final ? "failed" : "queued";
  const now = new Date();
  const changed = await db.tasks
    .where((t) => t.id === task.id && t.status === "running" && t.lockedBy === worker && t.attempts === task.attempts)
    .update({
      status,
      runAt: final ? task.runAt : new Date(now.getTime() + backoff(task.attempts)),
      finishedAt: final ? now : null,
      lockedAt: null,
      lockedBy: null,
      lastError: describe(error),
    });
  return changed === 1 ? status : undefined;
}

/**
 * Gives tasks whose worker vanished back to the queue: `running` with a claim older than `leaseMs`.
 * A task that already used its last attempt fails instead. Resolves to the number of tasks changed.
 */
export async function requeueExpired(db: QueueDb, leaseMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - leaseMs);
  // Two statements: closql does not (yet) store `t.attempts >= t.maxAttempts ? "failed" : "queued"`
  // in the enum column (TS91053), so the exhausted ones fail first and the others are queued again.
  const failed = await db.tasks
    .where((t) => t.status === "running" && t.lockedAt !== null && t.lockedAt < cutoff && t.attempts >= t.maxAttempts)
    .update({ status: "failed", finishedAt: new Date(), lockedAt: null, lockedBy: null, lastError: "lease expired" });
  const requeued = await db.tasks
    .where((t) => t.status === "running" && t.lockedAt !== null && t.lockedAt < cutoff)
    .update({ status: "queued", lockedAt: null, lockedBy: null, lastError: "lease expired" });
  return failed + requeued;
}

/** The worker holding a claimed task. */
function claimant(task: Task): string {
  if (task.lockedBy === null) throw new Error(`task #${task.id} was not claimed (locked_by is null)`);
  return task.lockedBy;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? text.slice(0, 2000) + "…" : text;
}

// ---------------------------------------------------------------------------------------------
// Workers

/** Runs a task: resolve = done, throw = failed (retried while attempts remain). */
export type Handler = (task: Task, db: QueueDb) => Promise<unknown>;

export interface WorkerOptions {
  /** Shown in `locked_by`. */
  readonly id: string;
  /** By task kind. A task of an unknown kind fails (and is retried: a newer worker may know it). */
  readonly handlers: { readonly [kind: string]: Handler };
  /**
   * Fallback poll interval when no notification comes (default 1000 ms): catches delayed tasks and
   * retries coming due, notifications lost while the listening connection was down, and databases
   * that do not deliver notifications at all (PGlite).
   */
  readonly pollMs?: number;
  readonly backoff?: (attempts: number) => number;
  /** Called after each task (for logs and tests). */
  readonly onSettled?: (task: Task, outcome: "done" | "queued" | "failed" | "lost", error?: unknown) => void;
}

/**
 * Wakes sleeping workers: one LISTEN per process, shared by its workers. `ring()` (a notification,
 * or the process's own enqueue) wakes every sleeping worker; they race for the tasks with SKIP
 * LOCKED, and those that find none go back to sleep.
 */
export class Doorbell {
  private sleepers = new Set<() => void>();
  private unlisten?: () => Promise<void>;

  static async listen(db: QueueDb, channel = CHANNEL): Promise<Doorbell> {
    const bell = new Doorbell();
    bell.unlisten = await db.listen(channel, () => bell.ring());
    return bell;
  }

  ring(): void {
    const sleepers = [...this.sleepers];
    this.sleepers.clear();
    for (const wake of sleepers) wake();
  }

  /** Resolves on the next ring, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  async close(): Promise<void> {
    await this.unlisten?.();
    this.ring();
  }
}

export interface RunningWorker {
  /** Stops after the current task; resolves when the worker has stopped. */
  stop(): Promise<void>;
}

/** Starts a worker loop: claim → run → complete/fail, sleeping on the doorbell when the queue is empty. */
export function startWorker(db: QueueDb, bell: Doorbell, options: WorkerOptions): RunningWorker {
  const pollMs = options.pollMs ?? 1000;
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      let task: Task | undefined;
      try {
        task = await claim(db, options.id);
      } catch (e) {
        // The database is unreachable or restarting: wait, then try again.
        console.error(`worker ${options.id}: claim failed:`, e);
        await bell.wait(pollMs);
        continue;
      }
      if (!task) {
        await bell.wait(pollMs);
        continue;
      }
      await settle(db, task, options);
    }
  };
  const done = loop();
  return {
    async stop() {
      stopping = true;
      bell.ring();
      await done;
    },
  };
}

async function settle(db: QueueDb, task: Task, options: WorkerOptions): Promise<void> {
  const handler = options.handlers[task.kind];
  try {
    if (!handler) throw new Error(`no handler for task kind ${JSON.stringify(task.kind)}`);
    await handler(task, db);
  } catch (error) {
    const outcome = await fail(db, task, error, options.backoff);
    options.onSettled?.(task, outcome ?? "lost", error);
    return;
  }
  const ok = await complete(db, task);
  options.onSettled?.(task, ok ? "done" : "lost");
}
