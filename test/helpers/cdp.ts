/**
 * A minimal Chrome DevTools Protocol client for tests: starts Debian's headless chromium with a
 * debugging port, attaches to its page over a WebSocket, and sends commands (each answered by id).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Output } from "./spawn.ts";
import { HEADLESS_FLAGS } from "./chromium.ts";

/** How long a single CDP command may take before the test fails (ms). */
const COMMAND_TIMEOUT_MS = 30_000;

/** A headless chromium and a connection to its first page. */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly process: ReturnType<typeof Bun.spawn>,
    private readonly socket: WebSocket,
    private readonly profile: string,
  ) {
    socket.onmessage = (e) => {
      const msg = JSON.parse(String(e.data));
      const waiter = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`CDP: ${JSON.stringify(msg.error)}`));
      else waiter.resolve(msg.result);
    };
  }

  /** Starts chromium (throws if it is not installed) and attaches to its blank page. */
  static async launch(): Promise<Browser> {
    const chromium = Bun.which("chromium");
    if (!chromium) throw new Error("chromium is not installed (.ci/run installs Debian's chromium)");
    const profile = mkdtempSync(join(tmpdir(), "netsvc-cdp-"));
    const child = Bun.spawn(
      [
        chromium,
        ...HEADLESS_FLAGS,
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        `--user-data-dir=${profile}`,
        "--window-size=800,700",
        "about:blank",
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    try {
      const out = new Output(child.stderr as ReadableStream<Uint8Array>);
      const port = (await out.waitFor(/DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 30_000))[1];
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
        type: string;
        webSocketDebuggerUrl: string;
      }[];
      const page = targets.find((t) => t.type === "page");
      if (!page) throw new Error("chromium has no page target");
      const socket = new WebSocket(page.webSocketDebuggerUrl);
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error("could not connect to chromium's page"));
      });
      return new Browser(child, socket, profile);
    } catch (e) {
      child.kill("SIGKILL");
      rmSync(profile, { recursive: true, force: true });
      throw e;
    }
  }

  /** Sends a CDP command and resolves with its result. */
  // biome-ignore lint/suspicious/noExplicitAny: CDP results are untyped JSON; each caller reads the fields it asked for
  send(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`CDP ${method} took over ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates `expression` in the page (awaiting a promise) and returns its value; a page exception throws. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /**
   * Resolves when `condition` (a JS expression) is truthy in the page, re-checked every 20 ms
   * in the page; fails after `ms`.
   */
  waitFor(condition: string, ms = 20_000): Promise<unknown> {
    return this.evaluate(`new Promise((resolve, reject) => {
      const end = performance.now() + ${ms};
      const check = () => { let v; try { v = (${condition}); } catch {} if (v) resolve(v);
        else if (performance.now() > end) reject(new Error(${JSON.stringify("timed out waiting for " + condition)}));
        else setTimeout(check, 20); };
      check(); })`);
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    this.socket.close();
    this.process.kill("SIGKILL");
    await this.process.exited;
    rmSync(this.profile, { recursive: true, force: true });
  }
}
