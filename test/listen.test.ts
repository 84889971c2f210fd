import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  connect,
  DatabaseError,
  Listener,
  ListenErrorContext,
  ListenOptions,
  relations,
  InvalidArgumentError,
} from "closql";
import { databaseUrl } from "./support/database";

/**
 * LISTEN/NOTIFY on a real server: what arrives, on which channel, and that the listener survives
 * its connection being killed. Every Listener gets its own `application_name`, which is how a test
 * finds (and terminates) its session in pg_stat_activity.
 */
const embedded = process.env.CLOSQL_EMBEDDED === "1";
const SKIP = "PGlite is one session behind every socket: notifications are not routed to a listening connection";
const WAIT_MS = 5000;

/** Collects what a handler receives; `next()` waits (bounded) for the next one. */
class Inbox {
  readonly received: string[] = [];
  private waiters: (() => void)[] = [];
  readonly handler = (payload: string) => {
    this.received.push(payload);
    for (const w of this.waiters.splice(0)) w();
  };
  /** Waits until `count` payloads have arrived in total. */
  async until(count: number, ms = WAIT_MS): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out: ${this.received.length} of ${count} notifications arrived`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }
}

const channel = () => `ch_${randomBytes(4).toString("hex")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("LISTEN/NOTIFY: what is refused (also on PGlite)", () => {
  let pool: pg.Pool;
  before(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  });
  after(() => pool.end());

  test("a payload of 8000 bytes or more is the server's typed error; bad channel names are refused", async () => {
    const l = new Listener(pool);
    await assert.rejects(l.notify(channel(), "x".repeat(8000)), (e: unknown) => {
      assert.ok(e instanceof DatabaseError, String(e));
      assert.equal(e.code, "22023");
      return true;
    });
    await assert.rejects(
      l.listen("", () => {}),
      InvalidArgumentError,
    );
    // 64 bytes: LISTEN would silently truncate it to 63 and listen on another channel.
    await assert.rejects(
      l.listen("c".repeat(64), () => {}),
      /longer than 63 bytes/,
    );
    await assert.rejects(l.notify("é".repeat(32), "x"), /longer than 63 bytes/);
    assert.deepEqual(l.listening, []);
    await l.close();
  });

  test("a first connection that fails rejects listen() and does not retry", async () => {
    const bad = new pg.Pool({ host: "127.0.0.1", port: 1, user: "nobody", database: "none" });
    const seen: unknown[] = [];
    const l = new Listener(bad, { onError: (e) => seen.push(e) });
    await assert.rejects(
      l.listen("x", () => {}),
      /ECONNREFUSED/,
    );
    assert.deepEqual(l.listening, []);
    await sleep(300);
    assert.deepEqual(seen, []);
    await l.close();
    await bad.end();
  });
});

describe("LISTEN/NOTIFY", { skip: embedded ? SKIP : false }, () => {
  let admin: pg.Pool;
  let pool: pg.Pool;
  const listeners: Listener[] = [];
  before(() => {
    admin = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  });
  after(async () => {
    for (const l of listeners) await l.close();
    await admin.end();
    await pool.end();
  });

  const errors: { error: unknown; context: ListenErrorContext }[] = [];
  function listener(options: ListenOptions = {}): { listener: Listener; app: string } {
    const app = `closql-test-${randomBytes(4).toString("hex")}`;
    const l = new Listener(pool, {
      applicationName: app,
      onError: (error, context) => errors.push({ error, context }),
      ...options,
    });
    listeners.push(l);
    return { listener: l, app };
  }
  const pidsOf = async (app: string): Promise<number[]> =>
    (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [app])).rows.map((r) => r.pid);

  test("payloads arrive exactly, in order: unicode, quotes, backslashes, empty, 7999 bytes", async () => {
    const { listener: l } = listener();
    const ch = channel();
    const inbox = new Inbox();
    await l.listen(ch, inbox.handler);
    const payloads = [
      "héllo ✓ 日本語 🎉",
      `it's "quoted" ; DROP TABLE x; -- \\ back\\slash $1`,
      "",
      "x".repeat(7999),
      // Multi-byte: 2666 × 3 bytes = 7998 bytes, under the 8000-byte limit.
      "€".repeat(2666),
    ];
    for (const p of payloads) await l.notify(ch, p);
    assert.deepEqual(await inbox.until(payloads.length), payloads);
    // notify() without a payload sends the empty string.
    await l.notify(ch);
    assert.deepEqual((await inbox.until(payloads.length + 1)).at(-1), "");
  });

  test("the handler gets the channel and the sender's pid too", async () => {
    const { listener: l } = listener();
    const ch = channel();
    const got: { channel: string; processId: number; payload: string }[] = [];
    await l.listen(ch, (_payload, n) => void got.push({ ...n }));
    const client = await pool.connect();
    try {
      const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      await client.query("SELECT pg_notify($1, 'p')", [ch]);
      await waitFor("the notification", () => got.length === 1);
      assert.deepEqual(got, [{ channel: ch, processId: pid, payload: "p" }]);
    } finally {
      client.release();
    }
  });

  test("two handlers on one channel both receive; other channels do not reach them", async () => {
    const { listener: l, app } = listener();
    const [a, b] = [channel(), channel()];
    const first = new Inbox();
    const second = new Inbox();
    const other = new Inbox();
    await l.listen(a, first.handler);
    await l.listen(a, second.handler);
    await l.listen(b, other.handler);
    // One session holds every channel.
    assert.equal((await pidsOf(app)).length, 1);
    await l.notify(a, "to a");
    await l.notify(b, "to b");
    assert.deepEqual(await first.until(1), ["to a"]);
    assert.deepEqual(await second.until(1), ["to a"]);
    assert.deepEqual(await other.until(1), ["to b"]);
    // The same function listened twice is two subscriptions.
    const twice = new Inbox();
    const u1 = await l.listen(b, twice.handler);
    await l.listen(b, twice.handler);
    await l.notify(b, "twice");
    assert.deepEqual(await twice.until(2), ["twice", "twice"]);
    await u1();
    await l.notify(b, "once");
    assert.deepEqual(await twice.until(3), ["twice", "twice", "once"]);
  });

  test("unlisten stops delivery; the last channel's unlisten ends the session", async () => {
    const { listener: l, app } = listener();
    const [a, b] = [channel(), channel()];
    const keep = new Inbox();
    const drop = new Inbox();
    const onB = new Inbox();
    const unlistenDrop = await l.listen(a, drop.handler);
    const unlistenKeep = await l.listen(a, keep.handler);
    const unlistenB = await l.listen(b, onB.handler);
    await unlistenDrop();
    await unlistenDrop(); // twice is harmless
    await l.notify(a, "1");
    assert.deepEqual(await keep.until(1), ["1"]);
    await unlistenKeep();
    assert.deepEqual(l.listening, [b]);
    // Notifications reach a session in commit order: had "2" on `a` been delivered, it would come
    // before "3" on `b`.
    await l.notify(a, "2");
    await l.notify(b, "3");
    assert.deepEqual(await onB.until(1), ["3"]);
    assert.deepEqual(keep.received, ["1"]);
    assert.deepEqual(drop.received, []);
    assert.equal((await pidsOf(app)).length, 1);
    await unlistenB();
    await waitFor("the listening session to end", async () => (await pidsOf(app)).length === 0);
    assert.equal(l.pid, undefined);
    // And a later listen opens a new one.
    const again = new Inbox();
    await l.listen(b, again.handler);
    await l.notify(b, "4");
    assert.deepEqual(await again.until(1), ["4"]);
    assert.deepEqual(onB.received, ["3"]);
  });

  test("channel names keep their case, spaces and quotes (LISTEN quotes them as identifiers)", async () => {
    const { listener: l } = listener();
    const tag = randomBytes(3).toString("hex");
    const names = [`Orders_${tag}`, `orders_${tag}`, `Orders Updated ${tag}`, `it's "${tag}"; UNLISTEN *`];
    const inboxes = names.map(() => new Inbox());
    for (const [i, name] of names.entries()) await l.listen(name, inboxes[i].handler);
    for (const name of names) await l.notify(name, name);
    for (const [i, name] of names.entries()) assert.deepEqual(await inboxes[i].until(1), [name]);
    // SQL folds an unquoted name to lower case: a plain NOTIFY Orders_… reaches the lower-case channel.
    await admin.query(`NOTIFY Orders_${tag}, 'folded'`);
    assert.deepEqual(await inboxes[1].until(2), [names[1], "folded"]);
    await sleep(50);
    assert.deepEqual(inboxes[0].received, [names[0]]);
  });

  test("a handler that throws or rejects is reported and does not stop the listener", async () => {
    const seen: { error: unknown; context: ListenErrorContext }[] = [];
    const { listener: l } = listener({ onError: (error, context) => seen.push({ error, context }) });
    const ch = channel();
    const inbox = new Inbox();
    await l.listen(ch, () => {
      throw new Error("sync boom");
    });
    await l.listen(ch, async () => {
      throw new Error("async boom");
    });
    await l.listen(ch, inbox.handler);
    await l.notify(ch, "1");
    await l.notify(ch, "2");
    assert.deepEqual(await inbox.until(2), ["1", "2"]);
    await waitFor("both failures reported twice", () => seen.length === 4);
    assert.deepEqual(seen.map((s) => (s.error as Error).message).sort(), [
      "async boom",
      "async boom",
      "sync boom",
      "sync boom",
    ]);
    assert.ok(seen.every((s) => s.context.kind === "handler" && s.context.channel === ch));
  });

  test("after its backend is terminated it reconnects, re-listens every channel and delivers again", async () => {
    const reconnects: (readonly string[])[] = [];
    const drops: unknown[] = [];
    const { listener: l, app } = listener({
      onReconnect: (channels) => reconnects.push(channels),
      onError: (error, context) => context.kind === "connection" && drops.push(error),
    });
    const [a, b] = [channel(), `Mixed Case ${randomBytes(3).toString("hex")}`];
    const [ia, ib] = [new Inbox(), new Inbox()];
    await l.listen(a, ia.handler);
    await l.listen(b, ib.handler);
    const [pid] = await pidsOf(app);
    assert.equal(l.pid, pid);
    for (let round = 1; round <= 2; round++) {
      const old = l.pid;
      const started = Date.now();
      await admin.query("SELECT pg_terminate_backend($1)", [old]);
      await waitFor("the listener to re-listen", () => reconnects.length === round);
      assert.ok(Date.now() - started < 2000, `re-listened in ${Date.now() - started} ms`);
      assert.deepEqual([...reconnects[round - 1]].sort(), [a, b].sort());
      assert.notEqual(l.pid, old);
      assert.deepEqual(await pidsOf(app), [l.pid]);
      await l.notify(a, `a${round}`);
      await l.notify(b, `b${round}`);
      assert.deepEqual(await ia.until(round), ["a1", "a2"].slice(0, round));
      assert.deepEqual(await ib.until(round), ["b1", "b2"].slice(0, round));
    }
    // Each drop was reported: the server's 57P01 (admin_shutdown), no unhandled 'error' event.
    assert.equal(drops.length, 2);
    assert.equal((drops[0] as { code?: string }).code, "57P01");
  });

  test("notifications sent while disconnected are lost; onReconnect is where to re-poll", async () => {
    let reconnected = 0;
    const { listener: l, app } = listener({ minReconnectDelayMs: 1500, onReconnect: () => reconnected++ });
    const ch = channel();
    const inbox = new Inbox();
    await l.listen(ch, inbox.handler);
    await admin.query("SELECT pg_terminate_backend($1)", [l.pid]);
    await waitFor("the session to be gone", async () => (await pidsOf(app)).length === 0 && l.pid === undefined);
    await l.notify(ch, "lost");
    await waitFor("the reconnect", () => reconnected === 1);
    await l.notify(ch, "after");
    assert.deepEqual(await inbox.until(1), ["after"]);
    await sleep(100);
    assert.deepEqual(inbox.received, ["after"]);
  });

  test("a listen() during a drop resolves and is listened by the reconnect", async () => {
    let reconnected = 0;
    const { listener: l } = listener({ minReconnectDelayMs: 300, onReconnect: () => reconnected++ });
    const [a, b] = [channel(), channel()];
    await l.listen(a, () => {});
    await admin.query("SELECT pg_terminate_backend($1)", [l.pid]);
    await waitFor("the drop to be seen", () => l.pid === undefined);
    const inbox = new Inbox();
    await l.listen(b, inbox.handler);
    await waitFor("the reconnect", () => reconnected === 1);
    await l.notify(b, "b");
    assert.deepEqual(await inbox.until(1), ["b"]);
  });

  test("close() ends the session; listen() after it throws", async () => {
    const { listener: l, app } = listener();
    await l.listen(channel(), () => {});
    assert.equal((await pidsOf(app)).length, 1);
    await l.close();
    assert.deepEqual(await pidsOf(app), []);
    await assert.rejects(
      l.listen(channel(), () => {}),
      /after close/,
    );
  });

  test("nothing keeps the process alive after close(): connected, and waiting to reconnect", async () => {
    // A child process that never calls process.exit: it must end by itself.
    const script = `
      const pg = require("pg");
      const { Listener } = require("closql");
      (async () => {
        const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        // 1: connected, a notification received, then closed.
        const l1 = new Listener(pool, { onError: () => {} });
        let got;
        await l1.listen("child_a", (p) => (got = p));
        await l1.notify("child_a", "hi");
        while (got !== "hi") await new Promise((r) => setTimeout(r, 10));
        await l1.close();
        // 2: closed while a reconnect is pending (a long backoff timer).
        let dropped = false;
        const l2 = new Listener(pool, { minReconnectDelayMs: 60000, onError: () => (dropped = true) });
        await l2.listen("child_b", () => {});
        await admin.query("SELECT pg_terminate_backend($1)", [l2.pid]);
        while (!dropped) await new Promise((r) => setTimeout(r, 10));
        await l2.close();
        await admin.end();
        await pool.end();
        console.log("closed");
      })().catch((e) => { console.error(e); process.exitCode = 1; });
    `;
    const child = spawn(process.execPath, ["-e", script], {
      cwd: path.join(__dirname, "../.."),
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 15000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `the child did not exit by itself: ${out}`);
    assert.equal(out.trim(), "closed");
  });
});

describe("db.listen and db.notify", () => {
  test(
    "a handler gets what db.notify sends; tx.notify arrives only when its transaction commits",
    { skip: process.env.CLOSQL_EMBEDDED === "1" ? "PGlite: LISTEN needs a session of its own" : false },
    async () => {
      const db = connect({ schema: relations({}), url: databaseUrl() });
      try {
        const got: string[] = [];
        const channel = `Orders ${randomBytes(3).toString("hex")}`;
        const unlisten = await db.listen(channel, (payload) => void got.push(payload));
        const arrived = async (n: number) => {
          for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
        };
        await db.notify(channel, "first ✓");
        await arrived(1);
        assert.deepEqual(got, ["first ✓"]);
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.notify(channel, "rolled back");
            throw new Error("abort");
          }),
          /abort/,
        );
        await db.transaction(async (tx) => {
          await tx.notify(channel, "committed");
          await new Promise((r) => setTimeout(r, 100));
          assert.deepEqual(got, ["first ✓"], "not before COMMIT");
        });
        await arrived(2);
        assert.deepEqual(got, ["first ✓", "committed"]);
        await unlisten();
        await db.notify(channel, "after unlisten");
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(got, ["first ✓", "committed"]);
      } finally {
        await db.close();
      }
    },
  );
});
