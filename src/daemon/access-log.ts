/**
 * Access log in Common Log Format (SPEC §7), with the absolute URL as OSE wrote it:
 *   1.2.3.4 - user [10/Oct/2026:13:55:36 +0000] "GET http://host:8000/a?b HTTP/1.0" 200 1234
 * Lines are buffered and written at most every 250 ms (or at 64 KiB), never one syscall per
 * request; flush() runs on shutdown.
 */
import { appendFileSync } from "node:fs";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FLUSH_INTERVAL_MS = 250;
const FLUSH_BYTES = 64 * 1024;

/** Where log lines go: "-" for standard output, a file path, or a function given each batch. */
export type AccessLogSink = string | ((text: string) => void);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const FIRST_PRINTABLE = 0x20;
const DEL = 0x7f;

/** Characters that cannot stand as they are inside a quoted CLF field. */
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\xff]/;

/**
 * Escapes a request line for a quoted CLF field as Apache does: `"` → `\"`, `\` → `\\`, control
 * and non-ASCII bytes → `\xhh`. The request line is latin1 (one char per byte), so a log parser
 * can always find the closing quote, whatever the client sent.
 */
export function escapeLogField(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) out += '\\"';
    else if (c === BACKSLASH) out += "\\\\";
    else if (c < FIRST_PRINTABLE || c >= DEL) out += `\\x${(c & 0xff).toString(16).padStart(2, "0")}`;
    else out += text[i];
  }
  return out;
}

/** `[10/Oct/2026:13:55:36 +0000]` for a time in ms (UTC). */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`
  );
}

/** A buffered Common Log Format writer. */
export class AccessLog {
  private buffer = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly write: (text: string) => void;

  /** Creates a log writing to `sink`. */
  constructor(sink: AccessLogSink) {
    if (typeof sink === "function") this.write = sink;
    else if (sink === "-") this.write = (text) => process.stdout.write(text);
    else this.write = (text) => appendFileSync(sink, text);
  }

  /** Records one response. `url` is absolute; `request` is `METHOD url VERSION` or "-". */
  log(client: string, user: string, request: string, status: number, bytes: number): void {
    // A user name is one token: anything that would split or quote it becomes "_".
    const who = user ? user.replace(/[\s"\x00-\x1f\x7f]/g, "_") : "-";
    this.buffer += `${client} - ${who} ${clfTime(Date.now())} "${escapeLogField(request)}" ${status} ${bytes}\n`;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref?.();
    }
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = "";
    try {
      this.write(text);
    } catch (e) {
      console.error("netsvc: access log write failed:", e);
    }
  }
}
