// The users/posts HTTP API on node:http, no framework, JSON in and out:
//
//   POST /users              body validated by users.parse → 201 the user; 400 issues; 409 duplicate email
//   GET  /users?role=&limit= → 200 users by id (limit 1–100, default 20); 400 on a bad parameter
//   GET  /users/:id          → 200 the user with its posts; 404 when missing
//   POST /users/:id/posts    body validated by posts.parse → 201 the post; 404 when the user is missing
//
// Every error answer is `{ "error": code, "message": …, "issues"?: [{ path, code, message }] }`.
// createService(db) returns an http.Server that is not listening yet: main.ts, the tests and the
// benchmarks start it on the port they choose.
import http from "node:http";
import { Database, ForeignKeyViolation, renderDdl, UniqueViolation, ValidationError } from "closql";
import { schema, userRole, users, posts, Role, User, Post } from "./schema";

export type ServiceDb = Database<typeof schema>;

export interface ServiceOptions {
  /** Called with every error that becomes a 500 (default: console.error). */
  readonly onError?: (error: unknown, request: http.IncomingMessage) => void;
}

/** The API as a server; call `.listen(port)` on it. */
export function createService(db: ServiceDb, options: ServiceOptions = {}): Service {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  // Handlers in flight: a client that hangs up does not stop its handler, so `server.close()`
  // can report "no connections" while a handler still queries the database.
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((request, response) => {
    const handled = handle(db, request)
      .catch((error: unknown) => {
        if (error instanceof HttpError) return error.reply;
        onError(error, request);
        return failure(500, "internal", "internal server error");
      })
      .then((reply) => send(response, reply));
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });
  return Object.assign(server, {
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  });
}

/** The HTTP server, and a way to wait for the handlers still running (before closing the pool). */
export type Service = http.Server & { settled(): Promise<void> };

/**
 * Creates the service's enum, tables and indexes unless its tables already exist. A database with
 * only some of them is refused rather than patched.
 */
export async function ensureTables(db: ServiceDb): Promise<"created" | "existing"> {
  const names = [users.$name, posts.$name];
  // to_regclass resolves through search_path, as the service's unqualified queries will.
  const found = await db.sql<{ name: string }>`SELECT n AS name FROM unnest(${names}::text[]) AS n
    WHERE to_regclass(quote_ident(n)) IS NOT NULL`;
  if (found.length === names.length) return "existing";
  if (found.length > 0)
    throw new Error(`the database has ${found.map((r) => r.name).join(", ")} but not all of ${names.join(", ")}`);
  for (const statement of renderDdl(schema)) await db.execute(statement);
  return "created";
}

// ---------------------------------------------------------------------------------------------
// Routing.

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Request {
  /** The path's captured segments. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: () => Promise<unknown>;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly run: (db: ServiceDb, request: Request) => Promise<Reply>;
}

const routes: readonly Route[] = [
  { method: "POST", path: /^\/users$/, run: createUser },
  { method: "GET", path: /^\/users$/, run: listUsers },
  { method: "GET", path: /^\/users\/([^/]+)$/, run: getUser },
  { method: "POST", path: /^\/users\/([^/]+)\/posts$/, run: createPost },
];

async function handle(db: ServiceDb, request: http.IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? "/", "http://service");
  const matching = routes
    .map((route) => ({ route, match: route.path.exec(url.pathname) }))
    .filter((m) => m.match !== null);
  if (matching.length === 0) return failure(404, "not_found", `no route for ${url.pathname}`);
  const chosen = matching.find((m) => m.route.method === request.method);
  if (!chosen) {
    const allow = matching.map((m) => m.route.method).join(", ");
    return { ...failure(405, "method_not_allowed", `use ${allow}`), headers: { allow } };
  }
  return chosen.route.run(db, {
    params: chosen.match!.slice(1).map(decodeURIComponent),
    query: url.searchParams,
    body: () => readJson(request),
  });
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

async function createUser(db: ServiceDb, request: Request): Promise<Reply> {
  const row = parseBody((input) => users.parse(input), await request.body(), ["id", "createdAt"]);
  try {
    const user = await db.users.insert(row);
    return { status: 201, body: user, headers: { location: `/users/${user.id}` } };
  } catch (error) {
    if (error instanceof UniqueViolation) return failure(409, "conflict", "a user with this email already exists");
    throw error;
  }
}

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

async function listUsers(db: ServiceDb, request: Request): Promise<Reply> {
  const { role, limit } = listParameters(request.query);
  // Two constant statements rather than one chain built across an `if`: each is prepared once.
  const found =
    role === undefined
      ? await db.users
          .orderBy((u) => u.id)
          .limit(limit)
          .all()
      : await db.users
          .where((u) => u.role === role)
          .orderBy((u) => u.id)
          .limit(limit)
          .all();
  return { status: 200, body: found };
}

async function getUser(db: ServiceDb, request: Request): Promise<Reply> {
  const id = pathId(request.params[0]);
  const user = await userWithPosts(db, id);
  if (!user) return failure(404, "not_found", `no user ${id}`);
  return { status: 200, body: user };
}

/** A user and its posts in id order, or undefined: one constant statement (a read by key loads its relations in it). */
export async function userWithPosts(db: ServiceDb, id: number): Promise<(User & { posts: Post[] }) | undefined> {
  return db.users
    .where((u) => u.id === id)
    .preload("posts", { orderBy: (p) => p.id })
    .first();
}

async function createPost(db: ServiceDb, request: Request): Promise<Reply> {
  const userId = pathId(request.params[0]);
  const row = parseBody((input) => posts.parse(input), await request.body(), ["id", "userId", "createdAt"], {
    userId,
  });
  try {
    const post = await db.posts.insert(row);
    return { status: 201, body: post, headers: { location: `/users/${userId}/posts/${post.id}` } };
  } catch (error) {
    // The foreign key says whether the user exists, in the same statement (no check-then-insert race).
    if (error instanceof ForeignKeyViolation) return failure(404, "not_found", `no user ${userId}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Input.

type Issue = ValidationError["issues"][number];

/** A non-2xx answer, thrown from anywhere below a handler. */
class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(String((reply.body as { message?: string }).message));
  }
}

function failure(status: number, error: string, message: string, issues?: readonly Issue[]): Reply {
  return { status, body: issues ? { error, message, issues } : { error, message } };
}

function invalid(message: string, issues: readonly Issue[]): never {
  throw new HttpError(failure(400, "invalid", message, issues));
}

/**
 * The insert row `parse` makes of a JSON body, with `fixed` columns taken from the path. Keys the
 * server sets (ids, timestamps, the path's own) are refused, not ignored: a client sending them
 * expects them to count. Every problem is listed at once, the table's and ours.
 */
function parseBody<T>(
  parse: (input: unknown) => T,
  body: unknown,
  serverKeys: readonly string[],
  fixed: Readonly<Record<string, unknown>> = {},
): T {
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
  const ours: Issue[] = isObject
    ? serverKeys
        .filter((key) => Object.hasOwn(body, key))
        .map((key) => ({ path: key, code: "unknown_key", message: "set by the server" }))
    : [];
  let row: T;
  try {
    row = parse(isObject ? { ...body, ...fixed } : body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    invalid("the body does not fit", [...error.issues, ...ours]);
  }
  if (ours.length > 0) invalid("the body does not fit", ours);
  return row;
}

function listParameters(query: URLSearchParams): { role: Role | undefined; limit: number } {
  const issues: Issue[] = [];
  for (const key of new Set(query.keys())) {
    if (key !== "role" && key !== "limit") issues.push({ path: key, code: "unknown_key", message: "not a parameter" });
    else if (query.getAll(key).length > 1) issues.push({ path: key, code: "type", message: "given more than once" });
  }
  const roleText = query.get("role") ?? undefined;
  const role = userRole.values.find((r) => r === roleText);
  if (roleText !== undefined && role === undefined)
    issues.push({ path: "role", code: "enum", message: `expected one of ${userRole.values.join(", ")}` });
  const limitText = query.get("limit") ?? undefined;
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (limitText !== undefined && !/^[1-9][0-9]{0,2}$/.test(limitText))
    issues.push({ path: "limit", code: "type", message: "expected a positive integer" });
  else if (limit > MAX_LIMIT) issues.push({ path: "limit", code: "range", message: `at most ${MAX_LIMIT}` });
  if (issues.length > 0) invalid("bad query parameters", issues);
  return { role, limit };
}

const MAX_ID = 2 ** 31 - 1;

/** An id in the path: a serial, so a positive int4 written plainly; anything else is a 400. */
function pathId(text: string): number {
  const id = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
  if (!(id <= MAX_ID)) invalid("bad id", [{ path: "id", code: "type", message: "expected a positive integer" }]);
  return id;
}

const MAX_BODY_BYTES = 1 << 20;

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      // The rest of the body is not read: the connection cannot be reused.
      throw new HttpError({
        ...failure(413, "too_large", `at most ${MAX_BODY_BYTES} bytes`),
        headers: { connection: "close" },
      });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(failure(400, "invalid_json", "the body is not JSON"));
  }
}

function send(response: http.ServerResponse, reply: Reply): void {
  const json = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    ...reply.headers,
  });
  response.end(json);
}
