/**
 * The servlets every HTTP/2 interop test asks the same four things of, whatever the client:
 *
 *   GET  /hello          "Hello, world!"
 *   POST /echo           the body's length and SHA-256 (hex), as "<length> <sha256>"
 *   GET  /big            BIG_BODY (1 MiB; its bytes depend on their offset)
 *   GET  /gather/<n>/<i> answered only once <n> /gather requests are in progress at the same
 *                        time ("g<i>"): a client that does not run its streams concurrently
 *                        never gets an answer (its test times out instead of passing)
 *
 * and a daemon with an access log collected in memory, so a test can say which protocol each
 * request came over (`"GET http://… HTTP/2.0" 200`).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpServlet, type HttpDaemonOptions, type HttpSession } from "../../src/index.ts";
import { FnServer, type TestDaemon, TextServlet, startDaemon } from "./servers.ts";

/** The 1 MiB body of /big. */
export const BIG_BODY = new Uint8Array(1 << 20).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
/** "<length> <sha256 hex>" of `bytes`: what /echo answers, and what a test expects of it. */
export function digestLine(bytes: Uint8Array): string {
  return `${bytes.length} ${createHash("sha256").update(bytes).digest("hex")}`;
}
/** The SHA-256 (hex) of /big's body. */
export const BIG_SHA256 = createHash("sha256").update(BIG_BODY).digest("hex");
/** A request body larger than the default 65,535-byte windows: the client must follow our WINDOW_UPDATEs. */
export const POST_BODY = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
/** The committed self-signed certificate for localhost (and its key), as PEM text. */
export const TLS_PEM = {
  cert: readFileSync(join(FIXTURES, "localhost.crt"), "utf8"),
  key: readFileSync(join(FIXTURES, "localhost.key"), "utf8"),
};
/** The certificate's file (for clients given a CA file). */
export const CA_FILE = join(FIXTURES, "localhost.crt");

class Echo extends HttpServlet {
  override async processRequest(): Promise<void> {
    this.sendDocument(200, "text/plain", digestLine(await this.content()));
  }
}

/** Requests to /gather held until `n` of them are in progress together. */
class Gathering {
  private held: { servlet: HttpServlet; index: string }[] = [];
  add(servlet: HttpServlet, n: number, index: string): void {
    this.held.push({ servlet, index });
    if (this.held.length < n) return;
    const all = this.held;
    this.held = [];
    for (const h of all) h.servlet.sendDocument(200, "text/plain", `g${h.index}`);
  }
}

/** An interop daemon (h2c on cleartext, or h2 by ALPN with `tls`) and its access-log lines. */
export interface InteropDaemon extends TestDaemon {
  /** The access log so far, as one string. */
  log(): string;
}

/** Starts the site above; `await using` stops it. */
export function startInteropDaemon(options: HttpDaemonOptions = {}): InteropDaemon {
  const lines: string[] = [];
  const gathering = new Gathering();
  const d = startDaemon(
    {
      "/hello": new FnServer((s) => new TextServlet(s, "Hello, world!")),
      "/echo": new FnServer((s) => new Echo(s)),
      "/big": new FnServer(
        (s) =>
          new (class extends HttpServlet {
            override processRequest(): void {
              this.sendDocument(200, "application/octet-stream", BIG_BODY);
            }
          })(s),
      ),
      "/gather": new FnServer(
        (s: HttpSession) =>
          new (class extends HttpServlet {
            override processRequest(): void {
              const [, n, i] = this.requestPath().match(/^\/gather\/(\d+)\/(\d+)$/) ?? [];
              if (!n || !i) return this.sendError(404);
              gathering.add(this, Number(n), i);
            }
          })(s),
      ),
    },
    { accessLog: (text) => lines.push(text), ...options },
  );
  return Object.assign(d, { log: () => lines.join("") });
}
