/**
 * Does a wrong user name answer faster than a wrong password? (issue 19 item 7: `--auth`
 * compared the password only when the user was right.) Medians over TRIES tries each, wrong user
 * and wrong password interleaved, printed side by side:
 *
 * - `function`: credentialsMatcher() beside the short-circuit shape it replaced (the same digests,
 *   `&&` between the fields), each call timed alone;
 * - `http`: the binary with `--auth`, one keep-alive HTTP/1.1 connection (a 401 keeps it), each
 *   request timed from its first byte sent to its last byte received.
 *
 *   bun bench/auth/credentials.bench.ts [--tries N] [--only function|http]
 *
 * Run under the shared lock (it loads a core): `flock /tmp/netsvc-heavy.lock bun bench/auth/…`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsMatcher } from "../../src/servers/credentials.ts";

const args = process.argv.slice(2);
const TRIES = Number(args[args.indexOf("--tries") + 1] ?? 0) || 2000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
/** Untimed rounds first, so both cases run compiled code. */
const WARMUP = 500;
const USER = "admin";
const PASSWORD = "correct horse battery staple";
const WRONG_USER = "admim";
const WRONG_PASSWORD = "correct horse battery stapld";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The shape --auth had: the password compared only when the user was right. */
function shortCircuit(user: string, password: string): (login: string, pass: string) => boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
  return (login, pass) => same(login, user) && same(pass, password);
}

/** Times `check` on a wrong user and on a wrong password, interleaved; medians in µs. */
function timeChecks(check: (login: string, pass: string) => boolean): { wrongUser: number; wrongPassword: number } {
  const user: number[] = [];
  const pass: number[] = [];
  let accepted = 0;
  for (let i = 0; i < WARMUP + TRIES; i++) {
    const userFirst = i % 2 === 0;
    for (const wrongUser of [userFirst, !userFirst]) {
      const t0 = Bun.nanoseconds();
      if (wrongUser ? check(WRONG_USER, PASSWORD) : check(USER, WRONG_PASSWORD)) accepted++;
      const dt = (Bun.nanoseconds() - t0) / 1000;
      if (i >= WARMUP) (wrongUser ? user : pass).push(dt);
    }
  }
  if (accepted !== 0) throw new Error("a wrong pair was accepted");
  return { wrongUser: median(user), wrongPassword: median(pass) };
}

/** One request over `socket`, resolved when the whole response (Content-Length framed) is in. */
class Exchange {
  private text = "";
  private waiting: ((ms: number) => void) | null = null;
  private t0 = 0;
  socket!: Awaited<ReturnType<typeof Bun.connect>>;

  static async open(port: number): Promise<Exchange> {
    const x = new Exchange();
    x.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => x.received(chunk),
        close: () => {
          if (x.waiting) throw new Error(`closed mid-response: ${x.text.slice(0, 200)}`);
        },
      },
    });
    return x;
  }

  private received(chunk: Uint8Array): void {
    this.text += Buffer.from(chunk).toString("latin1");
    const end = this.text.indexOf("\r\n\r\n");
    if (end < 0) return;
    const length = Number(/content-length: *(\d+)/i.exec(this.text.slice(0, end))?.[1] ?? 0);
    if (this.text.length < end + 4 + length) return;
    const dt = (Bun.nanoseconds() - this.t0) / 1000;
    if (!this.text.startsWith("HTTP/1.1 401")) throw new Error(`expected 401: ${this.text.slice(0, 200)}`);
    this.text = "";
    const w = this.waiting;
    this.waiting = null;
    w?.(dt);
  }

  /** Sends one request; resolves with its round trip in µs. */
  request(bytes: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.t0 = Bun.nanoseconds();
      this.socket.write(bytes);
    });
  }
}

async function timeHttp(): Promise<{ wrongUser: number; wrongPassword: number }> {
  const root = mkdtempSync(join(tmpdir(), "netsvc-auth-bench-"));
  writeFileSync(join(root, "index.html"), "x");
  const cli = join(import.meta.dir, "../../src/cli.ts");
  const child = Bun.spawn([process.execPath, cli, root, "--port", "0", "--max-requests", "0", "--auth", `${USER}:${PASSWORD}`], {
    stdout: "pipe",
    stderr: "inherit",
  });
  try {
    const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
    let out = "";
    while (!/:(\d+)\//.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the binary did not start: ${out}`);
      out += new TextDecoder().decode(value);
    }
    const port = Number(/:(\d+)\//.exec(out)![1]);
    const req = (login: string, pass: string) =>
      Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${btoa(`${login}:${pass}`)}\r\n\r\n`);
    const wrongUserReq = req(WRONG_USER, PASSWORD);
    const wrongPassReq = req(USER, WRONG_PASSWORD);
    const x = await Exchange.open(port);
    const user: number[] = [];
    const pass: number[] = [];
    for (let i = 0; i < WARMUP + TRIES; i++) {
      const userFirst = i % 2 === 0;
      for (const wrongUser of [userFirst, !userFirst]) {
        const dt = await x.request(wrongUser ? wrongUserReq : wrongPassReq);
        if (i >= WARMUP) (wrongUser ? user : pass).push(dt);
      }
    }
    x.socket.end();
    return { wrongUser: median(user), wrongPassword: median(pass) };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
    rmSync(root, { recursive: true, force: true });
  }
}

const rows: [string, { wrongUser: number; wrongPassword: number }][] = [];
if (only === null || only === "function") {
  rows.push(["function: credentialsMatcher (--auth now)", timeChecks(credentialsMatcher(USER, PASSWORD))]);
  rows.push(["function: user && password (the shape it replaced)", timeChecks(shortCircuit(USER, PASSWORD))]);
}
if (only === null || only === "http") rows.push(["http: the binary with --auth, 401 round trip", await timeHttp()]);

console.log(`medians over ${TRIES} tries each (µs), wrong user and wrong password interleaved; ${new Date().toISOString()}`);
console.log("| check | wrong user | wrong password | password − user |");
console.log("|---|---:|---:|---:|");
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.wrongUser.toFixed(3)} | ${r.wrongPassword.toFixed(3)} | ${(r.wrongPassword - r.wrongUser).toFixed(3)} |`);
}
