/**
 * A raw TCP client for network tests: sends exact bytes with Bun.connect and collects the reply
 * and whether the server closed the connection. Waits on conditions, never on sleeps; every wait
 * is bounded so a broken server fails the test instead of hanging it.
 */
import type { Socket } from "bun";

/** How often `until` re-checks a condition that no socket event announces. */
const POLL_MS = 5;

/** One parsed HTTP response. */
export interface ParsedResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  /** Header names exactly as sent, in order. */
  rawHeaderNames: string[];
  body: string;
}

/** A connection to the server under test. */
export class RawClient {
  private received: number[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private socket!: Socket<undefined>;
  /** Bytes the socket did not take yet (Bun keeps no buffer): written on drain, in order. */
  private unsent: Uint8Array[] = [];

  private constructor() {}

  /**
   * Connects to 127.0.0.1:port. `keepOwnSideOpen`: the server's FIN does not close our side
   * (allowHalfOpen), as a client that has not read to the end or not yet closed — until close().
   */
  static async connect(port: number, keepOwnSideOpen = false): Promise<RawClient> {
    const c = new RawClient();
    c.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      allowHalfOpen: keepOwnSideOpen,
      socket: {
        data: (_s, chunk) => {
          for (const b of chunk) c.received.push(b);
          c.wake();
        },
        drain: () => c.writeUnsent(),
        close: () => {
          c.closed = true;
          c.wake();
        },
        end: () => {
          c.closed = true;
          c.wake();
        },
        error: () => {
          c.closed = true;
          c.wake();
        },
      },
    });
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Sends bytes (a latin1 string or bytes); what the socket cannot take now follows on drain. */
  send(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    this.unsent.push(bytes);
    this.writeUnsent();
  }

  /** True once everything given to send() was handed to the socket. */
  get allSent(): boolean {
    return this.unsent.length === 0;
  }

  private writeUnsent(): void {
    while (this.unsent.length > 0 && !this.closed) {
      const bytes = this.unsent[0]!;
      const n = this.socket.write(bytes);
      if (n < 0) return;
      if (n < bytes.length) {
        this.unsent[0] = bytes.subarray(n);
        return;
      }
      this.unsent.shift();
    }
    this.socket.flush();
  }

  /** Stops reading: the server's writes back up into its output queue (a slow reader). */
  pause(): void {
    this.socket.pause();
  }

  /** Reads again. */
  resume(): void {
    this.socket.resume();
  }

  /** This end's port (the server's remotePort for this connection). */
  get localPort(): number {
    return this.socket.localPort;
  }

  /** Half-closes the write side. */
  shutdownWrite(): void {
    this.socket.shutdown();
  }

  /** Goes away abruptly (RST), as a client that gives up does. */
  terminate(): void {
    this.socket.terminate();
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
  }

  /** Everything received so far, as latin1. */
  text(): string {
    return Buffer.from(this.received).toString("latin1");
  }

  /** Bytes received so far. */
  get length(): number {
    return this.received.length;
  }

  /**
   * Resolves when `predicate()` holds; rejects after `ms`. Re-checked on every byte received and
   * every few milliseconds (for conditions on server-side state).
   */
  async until(predicate: () => boolean, ms = 5000, what = "condition"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.text().slice(0, 300))}, closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, POLL_MS));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server closes the connection. */
  untilClosed(ms = 5000): Promise<void> {
    return this.until(() => this.closed, ms, "close");
  }

  /** Waits until `n` complete responses have arrived (or the connection closed). */
  async responses(n: number, ms = 5000): Promise<ParsedResponse[]> {
    await this.until(() => parseResponses(this.text(), this.closed).length >= n || this.closed, ms, `${n} responses`);
    return parseResponses(this.text(), this.closed);
  }

  /** Sends a request and waits for one response. */
  async request(data: string): Promise<ParsedResponse> {
    const before = parseResponses(this.text(), false).length;
    this.send(data);
    const all = await this.responses(before + 1);
    const r = all[before];
    if (!r) throw new Error(`no response; received ${JSON.stringify(this.text())}`);
    return r;
  }

  [Symbol.dispose](): void {
    if (!this.closed) this.socket.end();
  }
}

/**
 * Parses a byte stream of HTTP/1.x responses framed by Content-Length (or, for the last one,
 * by close). A response without a complete body is left out.
 */
export function parseResponses(text: string, closed: boolean): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let p = 0;
  while (p < text.length) {
    const end = text.indexOf("\r\n\r\n", p);
    if (end < 0) break;
    const lines = text.slice(p, end).split("\r\n");
    const statusLine = lines[0]!;
    const headers: Record<string, string> = {};
    const rawHeaderNames: string[] = [];
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      const name = line.slice(0, i);
      rawHeaderNames.push(name);
      headers[name.toLowerCase()] = line.slice(i + 1).trim();
    }
    const bodyStart = end + 4;
    const cl = headers["content-length"];
    const status = Number(statusLine.split(" ")[1]);
    const bodyless = status === 204 || status === 304;
    let bodyEnd: number;
    if (bodyless) {
      bodyEnd = bodyStart; // RFC 9112 §6.3: 204 and 304 end at the head, whatever the fields say
    } else if (cl !== undefined) {
      bodyEnd = bodyStart + Number(cl);
      if (bodyEnd > text.length) break;
    } else if (closed) {
      bodyEnd = text.length;
    } else break;
    out.push({ statusLine, status, headers, rawHeaderNames, body: text.slice(bodyStart, bodyEnd) });
    p = bodyEnd;
  }
  return out;
}
