// The HTTP layer of the peers' versions of examples/service (the users/posts API on node:http): the
// same routes, parameters, validation rules, status codes and JSON shapes as
// examples/service/src/service.ts, with the data access behind a `Store` that each library
// implements (bench/src/http/store-*.ts). closql's own server is the example itself.
//
// Nothing here imports closql, so a peer's server process loads only its own library.
import http from "node:http";

export type Role = "user" | "admin";
export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}
export interface Post {
  id: number;
  userId: number;
  title: string;
  body: string;
  published: boolean;
  createdAt: Date;
}
export interface NewUser {
  email: string;
  name: string;
  role?: Role;
}
export interface NewPost {
  userId: number;
  title: string;
  body?: string;
  published?: boolean;
}

/** Thrown by a store when the email is taken (a unique violation). */
export class DuplicateEmail extends Error {}
/** Thrown by a store when the post's user does not exist (a foreign key violation). */
export class MissingUser extends Error {}

export interface Store {
  createUser(row: NewUser): Promise<User>;
  /** Users by id, optionally of one role, at most `limit`. */
  listUsers(role: Role | undefined, limit: number): Promise<User[]>;
  /** A user and its posts in id order, or undefined. */
  userWithPosts(id: number): Promise<(User & { posts: Post[] }) | undefined>;
  createPost(row: NewPost): Promise<Post>;
  close(): Promise<void>;
}

/** The SQLSTATE of a pg / postgres.js error, wherever the library put it. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown }; cause?: { code?: unknown } };
  for (const code of [e?.code, e?.driverError?.code, e?.cause?.code]) if (typeof code === "string") return code;
  return undefined;
}

interface Issue {
  path: string;
  code: string;
  message: string;
}
interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(String((reply.body as { message?: string }).message));
  }
}
const failure = (status: number, error: string, message: string, issues?: readonly Issue[]): Reply => ({
  status,
  body: issues ? { error, message, issues } : { error, message },
});
function invalid(message: string, issues: readonly Issue[]): never {
  throw new HttpError(failure(400, "invalid", message, issues));
}

export function createServer(store: Store): http.Server {
  return http.createServer((request, response) => {
    handle(store, request)
      .catch((error: unknown) => {
        if (error instanceof HttpError) return error.reply;
        console.error(error);
        return failure(500, "internal", "internal server error");
      })
      .then((reply) => send(response, reply));
  });
}

type Handler = (
  store: Store,
  params: readonly string[],
  query: URLSearchParams,
  body: () => Promise<unknown>,
) => Promise<Reply>;
const routes: readonly { method: string; path: RegExp; run: Handler }[] = [
  { method: "POST", path: /^\/users$/, run: createUser },
  { method: "GET", path: /^\/users$/, run: listUsers },
  { method: "GET", path: /^\/users\/([^/]+)$/, run: getUser },
  { method: "POST", path: /^\/users\/([^/]+)\/posts$/, run: createPost },
];

async function handle(store: Store, request: http.IncomingMessage): Promise<Reply> {
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
  return chosen.route.run(store, chosen.match!.slice(1).map(decodeURIComponent), url.searchParams, () =>
    readJson(request),
  );
}

async function createUser(
  store: Store,
  _: readonly string[],
  __: URLSearchParams,
  body: () => Promise<unknown>,
): Promise<Reply> {
  const row = parseUser(await body());
  try {
    const user = await store.createUser(row);
    return { status: 201, body: user, headers: { location: `/users/${user.id}` } };
  } catch (error) {
    if (error instanceof DuplicateEmail) return failure(409, "conflict", "a user with this email already exists");
    throw error;
  }
}

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;
const ROLES: readonly Role[] = ["user", "admin"];

async function listUsers(store: Store, _: readonly string[], query: URLSearchParams): Promise<Reply> {
  const issues: Issue[] = [];
  for (const key of new Set(query.keys())) {
    if (key !== "role" && key !== "limit") issues.push({ path: key, code: "unknown_key", message: "not a parameter" });
    else if (query.getAll(key).length > 1) issues.push({ path: key, code: "type", message: "given more than once" });
  }
  const roleText = query.get("role") ?? undefined;
  const role = ROLES.find((r) => r === roleText);
  if (roleText !== undefined && role === undefined)
    issues.push({ path: "role", code: "enum", message: `expected one of ${ROLES.join(", ")}` });
  const limitText = query.get("limit") ?? undefined;
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (limitText !== undefined && !/^[1-9][0-9]{0,2}$/.test(limitText))
    issues.push({ path: "limit", code: "type", message: "expected a positive integer" });
  else if (limit > MAX_LIMIT) issues.push({ path: "limit", code: "range", message: `at most ${MAX_LIMIT}` });
  if (issues.length > 0) invalid("bad query parameters", issues);
  return { status: 200, body: await store.listUsers(role, limit) };
}

async function getUser(store: Store, params: readonly string[]): Promise<Reply> {
  const id = pathId(params[0]);
  const user = await store.userWithPosts(id);
  if (!user) return failure(404, "not_found", `no user ${id}`);
  return { status: 200, body: user };
}

async function createPost(
  store: Store,
  params: readonly string[],
  _: URLSearchParams,
  body: () => Promise<unknown>,
): Promise<Reply> {
  const userId = pathId(params[0]);
  const row = parsePost(await body(), userId);
  try {
    const post = await store.createPost(row);
    return { status: 201, body: post, headers: { location: `/users/${userId}/posts/${post.id}` } };
  } catch (error) {
    if (error instanceof MissingUser) return failure(404, "not_found", `no user ${userId}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Input: the rules users.parse / posts.parse apply to these two tables, written by hand.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** PostgreSQL text cannot hold NUL, and a lone surrogate would be stored as U+FFFD. */
const representable = (s: string) =>
  !/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

function field(
  input: Record<string, unknown>,
  key: string,
  type: "string" | "boolean",
  required: boolean,
  issues: Issue[],
) {
  const v = input[key];
  if (v === undefined) {
    if (required) issues.push({ path: key, code: "required", message: "required" });
    return undefined;
  }
  if (v === null) return void issues.push({ path: key, code: "null", message: "must not be null" });
  if (typeof v !== type)
    return void issues.push({ path: key, code: "type", message: `expected a ${type}, got ${typeof v}` });
  if (type === "string" && !representable(v as string))
    return void issues.push({ path: key, code: "unrepresentable", message: "not representable in PostgreSQL text" });
  return v;
}

function checkKeys(
  input: Record<string, unknown>,
  columns: readonly string[],
  serverKeys: readonly string[],
  issues: Issue[],
) {
  const server: Issue[] = [];
  for (const key of Object.keys(input)) {
    if (serverKeys.includes(key)) server.push({ path: key, code: "unknown_key", message: "set by the server" });
    else if (!columns.includes(key)) issues.push({ path: key, code: "unknown_key", message: "not a column" });
  }
  issues.push(...server);
}

function parseUser(body: unknown): NewUser {
  if (!isObject(body)) invalid("the body does not fit", [{ path: "", code: "type", message: "expected an object" }]);
  const issues: Issue[] = [];
  const email = field(body, "email", "string", true, issues) as string;
  const name = field(body, "name", "string", true, issues) as string;
  const role = field(body, "role", "string", false, issues) as Role | undefined;
  if (role !== undefined && !ROLES.includes(role))
    issues.push({ path: "role", code: "enum", message: `expected one of ${ROLES.join(", ")}` });
  checkKeys(body, ["email", "name", "role"], ["id", "createdAt"], issues);
  if (issues.length > 0) invalid("the body does not fit", issues);
  return role === undefined ? { email, name } : { email, name, role };
}

function parsePost(body: unknown, userId: number): NewPost {
  if (!isObject(body)) invalid("the body does not fit", [{ path: "", code: "type", message: "expected an object" }]);
  const issues: Issue[] = [];
  const title = field(body, "title", "string", true, issues) as string;
  const text = field(body, "body", "string", false, issues) as string | undefined;
  const published = field(body, "published", "boolean", false, issues) as boolean | undefined;
  checkKeys(body, ["title", "body", "published"], ["id", "userId", "createdAt"], issues);
  if (issues.length > 0) invalid("the body does not fit", issues);
  const row: NewPost = { userId, title };
  if (text !== undefined) row.body = text;
  if (published !== undefined) row.published = published;
  return row;
}

const MAX_ID = 2 ** 31 - 1;
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
