/**
 * An example application on netsvc: a JSON API (Router), an upload endpoint that streams
 * multipart parts to a temp directory and reports progress as server-sent events, a live status
 * page of the daemon (daemon.stats() plus per-server counters, and a chart of requests/s over the
 * last minute) pushed over a WebSocket as reports, with the reports of a clock service in another
 * process on the bus (clock.ts), admin actions for a session logged in with the token (or a
 * request carrying it, as Bearer or Basic admin:<token>), a theme kept in a cookie, and a
 * middleware that gives every answer a request id and times it.
 *   bun examples/app/server.ts --port 0 [--token secret] [--nats nats://127.0.0.1:4222]   prints its URL
 *   bun examples/app/clock.ts --nats nats://127.0.0.1:4222      (another process: app.clock reports)
 *   curl localhost:8000/api/notes
 *   curl -F file=@big.bin 'localhost:8000/upload?id=u1'     (watch: curl -N localhost:8000/upload/u1/events)
 *   curl -X POST -H 'Authorization: Bearer secret' localhost:8000/admin/reset
 */
import { timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dispatcher, HttpDaemon, HttpError, Router, Sessions, type HttpServlet } from "netsvc";
import { Exchange, services } from "netsvc/services";

/** Samples of requests/s kept for the chart: one a second, the last minute. */
const HISTORY_SECONDS = 60;
const SAMPLE_MS = 1000;
/** The largest upload the endpoint takes (the daemon's default body limit is 1 MiB). */
const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Progress events are sent at most once per this many bytes received (plus the first and last). */
const PROGRESS_STEP_BYTES = 256 * 1024;
/** Upload ids: short and safe to use in a file name. */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,40}$/;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const port = Number(option("port", process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "8000"));
const token = option("token", process.env.APP_TOKEN ?? "secret");
const natsUrl = option("nats", "");
const uploadDir = mkdtempSync(join(tmpdir(), "netsvc-app-uploads-"));

// ── per-server counters ─────────────────────────────────────────────────────────────────────

/** What one server object has seen since the last reset. */
interface ServerCounters {
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** Milliseconds from the request's routing to its response's end, summed (the mean is ms / requests). */
  ms: number;
}

let requestIds = 0;

/**
 * A Router whose middleware gives every request an id (`X-Request-Id`, sent with whatever answers,
 * its 404s and thrown errors included) and times and counts it once its response is complete.
 */
class CountedRouter extends Router {
  readonly counters: ServerCounters = { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, ms: 0 };

  constructor(readonly label: string) {
    super();
    this.use((s, next) => {
      const started = performance.now();
      const c = this.counters;
      c.requests++;
      s.setHeader("X-Request-Id", `${this.label}-${++requestIds}`);
      s.signal.addEventListener("abort", () => {
        // the response is complete (or its client left): a status of 0 is a request never answered
        if (s.session.status >= 400 || s.session.status === 0) c.errors++;
        c.bytesIn += Math.max(s.contentLength(), 0);
        c.bytesOut += s.session.bytesSent;
        c.ms += performance.now() - started;
      });
      return next();
    });
  }

  reset(): void {
    Object.assign(this.counters, { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, ms: 0 });
  }
}

/**
 * The admin server. A session logged in with the token (POST /admin/login: a new session id, so an
 * id planted before the login is worth nothing) may act; so may a request carrying the token, as a
 * Bearer token or as Basic admin:<token> (curl, scripts). Everything else gets 401.
 */
class AdminRouter extends CountedRouter {
  constructor(label: string) {
    super(label);
    this.use(new Sessions()).use(async (s, next) => {
      if (s.servletPath() === "login" || s.servletPath() === "logout" || (await isAdmin(s))) return next();
      throw new HttpError(401, "log in first", { headers: [["WWW-Authenticate", 'Bearer realm="admin"']] });
    });
  }
}

/** The request is an admin's: its session logged in, or it carries the token. */
async function isAdmin(s: HttpServlet): Promise<boolean> {
  const [scheme, credentials] = (s.header("authorization") ?? "").split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return sameSecret(credentials ?? "", token);
  if (scheme?.toLowerCase() === "basic") return sameSecret(Buffer.from(credentials ?? "", "base64").toString(), `admin:${token}`);
  return (await s.sessionContext()).admin === true;
}

/** Compares secrets in time independent of where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// ── the JSON API ────────────────────────────────────────────────────────────────────────────

const notes = new Map<string, { text: string }>([["1", { text: "hello" }]]);
let nextNote = 2;

const api = new CountedRouter("api")
  .get("/notes", (s) => s.sendJson([...notes].map(([id, n]) => ({ id, ...n }))))
  .get("/notes/:id", (s, { id }) => {
    const note = notes.get(id);
    if (!note) throw new HttpError(404, `no note ${id}`);
    s.sendJson({ id, ...note });
  })
  .post("/notes", async (s) => {
    const body = await s.json<{ text?: unknown }>();
    if (typeof body?.text !== "string") throw new HttpError(422, "text must be a string");
    const id = String(nextNote++);
    notes.set(id, { text: body.text });
    s.sendJson({ id }, 201);
  })
  .delete("/notes/:id", (s, { id }) => {
    if (!notes.delete(id)) throw new HttpError(404, `no note ${id}`);
    s.sendJson({ deleted: id });
  });

// ── uploads with progress ───────────────────────────────────────────────────────────────────

/** One upload's progress, and the event streams watching it. */
interface Upload {
  state: "waiting" | "receiving" | "done" | "failed";
  received: number;
  expected: number;
  files: { name: string; bytes: number }[];
  watchers: Set<(final: boolean) => void>;
  reported: number;
}

const uploads = new Map<string, Upload>();

function uploadFor(id: string | undefined): Upload {
  if (!id || !UPLOAD_ID.test(id)) throw new HttpError(400, "the upload id must be 1-40 of A-Z a-z 0-9 _ -");
  let u = uploads.get(id);
  if (!u) uploads.set(id, (u = { state: "waiting", received: 0, expected: 0, files: [], watchers: new Set(), reported: 0 }));
  return u;
}

function progress(u: Upload): object {
  return { state: u.state, received: u.received, expected: u.expected, files: u.files };
}

function notify(u: Upload, force = false): void {
  if (!force && u.received - u.reported < PROGRESS_STEP_BYTES) return;
  u.reported = u.received;
  const final = u.state === "done" || u.state === "failed";
  for (const w of u.watchers) w(final);
}

const upload = new CountedRouter("upload")
  .post("/", async (s) => {
    const id = s.query().get("id") ?? undefined;
    const u = uploadFor(id);
    if (u.state === "receiving") throw new HttpError(409, "this upload is in progress");
    s.session.bodyLimit = MAX_UPLOAD_BYTES;
    Object.assign(u, { state: "receiving", received: 0, reported: 0, files: [], expected: Math.max(s.contentLength(), 0) });
    notify(u, true);
    try {
      let index = 0;
      for await (const part of s.parts()) {
        if (part.filename === undefined) continue;
        const file = { name: part.filename.replace(/[^\w.-]/g, "_").slice(0, 80) || "file", bytes: 0 };
        u.files.push(file);
        // The client's name is shown, never used as a path.
        const handle = await open(join(uploadDir, `${id}-${index++}`), "w");
        try {
          for await (const chunk of part) {
            await handle.write(chunk);
            file.bytes += chunk.length;
            u.received += chunk.length;
            notify(u);
          }
        } finally {
          await handle.close();
        }
      }
      u.state = "done";
      notify(u, true);
      s.sendJson(progress(u));
    } catch (e) {
      u.state = "failed";
      notify(u, true);
      throw e;
    }
  })
  .get("/:id/events", (s, { id }) => {
    const u = uploadFor(id);
    const events = s.eventStream();
    const send = (final: boolean): void => {
      // A slow watcher skips intermediate events; the final one is always queued.
      if (!final && s.session.isCongested()) return;
      events.send({ data: progress(u) });
      if (final) events.close();
    };
    u.watchers.add(send);
    events.onclose = () => u.watchers.delete(send); // closed, or the watcher left
    send(u.state === "done" || u.state === "failed");
  });

// ── status and admin ────────────────────────────────────────────────────────────────────────

const status = new CountedRouter("status");
const admin = new AdminRouter("admin");
const site = new CountedRouter("site");
const counted = [site, api, upload, status, admin];

/** This process's status reports: every page on this server subscribes to it (a bus may carry several servers'). */
const STATUS_SUBJECT = `app.status.${process.pid}`;

/** Requests/s, oldest first, one sample a second. */
let history: number[] = [];
let lastRequests = 0;
const sampler = setInterval(() => {
  const requests = daemon.stats().requests;
  history.push(requests - lastRequests);
  lastRequests = requests;
  if (history.length > HISTORY_SECONDS) history = history.slice(-HISTORY_SECONDS);
  services.publish(STATUS_SUBJECT, statusNow()); // pushed to every open status page
}, SAMPLE_MS);
sampler.unref();

/** The status as a report's value (plain objects: ServiceValue, what the bus can carry). */
function statusNow() {
  return {
    daemon: { ...daemon.stats() },
    servers: Object.fromEntries(counted.map((r) => [r.label, { ...r.counters }])),
    requestsPerSecond: history,
    sampleMs: SAMPLE_MS,
  };
}

status.get("/", (s) => s.sendJson(statusNow()));

// ── live: the status page's WebSocket ───────────────────────────────────────────────────────

/**
 * The page's WebSocket: this server's status reports and every process's clock reports, as
 * `{subject, value}` messages; the first status at once. Same-origin pages only (browsers send
 * Origin on every WebSocket; the allow-list is made from the Host the page was loaded from).
 */
const live = new CountedRouter("live").get("/", (s) => {
  const ws = s.upgrade({ origins: [`http://${s.header("host")}`, `https://${s.header("host")}`] });
  if (!ws) return;
  ws.subscribe(STATUS_SUBJECT);
  ws.subscribe("app.clock");
  ws.send(JSON.stringify({ subject: STATUS_SUBJECT, value: statusNow() }));
});
counted.push(live);

admin
  .post("/login", async (s) => {
    const { token: given } = await s.json<{ token?: unknown }>();
    if (typeof given !== "string" || !sameSecret(given, token)) throw new HttpError(401, "wrong token");
    await s.bindSession(); // a new id at login: session fixation
    (await s.sessionContext()).admin = true; // saved before the answer leaves
    s.sendJson({ done: "logged in", by: "admin" });
  })
  .post("/logout", (s) => {
    s.destroySession();
    s.sendJson({ done: "logged out", by: "admin" });
  })
  .post("/reset", (s) => {
    for (const r of counted) r.reset();
    history = [];
    s.sendJson({ done: "counters reset", by: "admin" });
  })
  .post("/clear-uploads", (s) => {
    const cleared = [...uploads].filter(([, u]) => u.state !== "receiving");
    for (const [id, u] of cleared) {
      for (let i = 0; i < u.files.length; i++) rmSync(join(uploadDir, `${id}-${i}`), { force: true });
      uploads.delete(id);
    }
    s.sendJson({ done: `cleared ${cleared.length} uploads`, by: "admin" });
  });

// ── a preference in a cookie ────────────────────────────────────────────────────────────────

const THEMES = new Set(["light", "dark"]);
/** The theme the browser chose (its `theme` cookie), light by default or for anything else. */
const themeOf = (s: HttpServlet) => (THEMES.has(s.cookie("theme") ?? "") ? s.cookie("theme")! : "light");

api.put("/prefs", async (s) => {
  const { theme } = await s.json<{ theme?: unknown }>();
  if (typeof theme !== "string" || !THEMES.has(theme)) throw new HttpError(422, "theme is light or dark");
  s.setCookie("theme", theme, { maxAge: 365 * 86_400, sameSite: "Lax" }); // read by the page's server, not a secret
  s.sendJson({ theme });
});

const page = (file: string, type: string) => async (s: HttpServlet) => {
  const text = await Bun.file(join(import.meta.dir, file)).text();
  // the page comes in the browser's theme: no flash of the other one before a script runs
  s.sendDocument(200, type, text.replace('<html lang="en">', `<html lang="en" data-theme="${themeOf(s)}">`), [["Vary", "Cookie"]]);
};
site.get("/", page("index.html", "text/html; charset=utf-8")).get("/app.js", page("app.js", "text/javascript"));

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const daemon = new HttpDaemon(port);
daemon.attach("/", site);
daemon.attach("/api", api);
daemon.attach("/upload", upload);
daemon.attach("/status", status);
daemon.attach("/admin", admin);
daemon.attach("/live", live);
const exchange = natsUrl ? new Exchange({ servers: natsUrl }) : null;
await exchange?.connect(); // reports cross the bus: clock.ts's reach this process's pages
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/  (uploads in ${uploadDir})`);
await dispatcher.run();
await exchange?.close();
rmSync(uploadDir, { recursive: true, force: true });
