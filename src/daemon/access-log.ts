/**
 * Access log (SPEC §7, §14) in one of three formats, chosen when the log is made:
 * - `common`: Common Log Format, with the absolute URL as OSE wrote it:
 *   1.2.3.4 - user [10/Oct/2026:13:55:36 +0000] "GET http://host:8000/a?b HTTP/1.0" 200 1234
 * - `combined`: Apache's and nginx's combined format: common + ` "referer" "user-agent"`.
 * - `json`: one JSON object per line (access-log-json.ts), with the response's duration.
 * Lines are buffered and written at most every 250 ms (or at 64 KiB), never one syscall per
 * request; flush() runs on shutdown.
 */
import { appendFileSync } from "node:fs";
import { jsonLogLine } from "./access-log-json.ts";

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

/** A combined-format field: the value escaped as the request line is, "-" when absent or empty (as nginx writes it). */
function quotedOrDash(value: string | null | undefined): string {
  return value ? escapeLogField(value) : "-";
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

/** The line formats (`--log-format`): see the file comment. */
export type AccessLogFormat = "common" | "combined" | "json";

/** Every AccessLogFormat, in the order `--help` lists them. */
export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ["common", "combined", "json"];

/** How an AccessLog writes. */
export interface AccessLogOptions {
  /** The line format; default `common` (OSE's, unchanged). */
  format?: AccessLogFormat;
}

/**
 * One response to log, as its transport read it from the request (AccessLogQueue). `common` reads
 * the first three fields; the others are there only when the log's format needs them (`detailed`,
 * `timed`), so a common log reads no header and no clock for them.
 */
export interface LoggedRequest {
  readonly client: string;
  /** The login that passed authentication, "" without one. */
  readonly user: string;
  /** `METHOD url VERSION`, or "-" for a request refused before it could be parsed. */
  readonly request: string;
  /** The request line's parts, as `request` joins them (detailed formats; absent for "-"). */
  readonly method?: string;
  readonly url?: string;
  readonly protocol?: string;
  /** The Referer and User-Agent fields as sent (latin1), null when absent (detailed formats). */
  readonly referer?: string | null;
  readonly userAgent?: string | null;
  /** performance.now() when the request's head was read (timed formats). */
  readonly headAt?: number;
}

/** A buffered access-log writer in one format (see the file comment). */
export class AccessLog {
  /** The line format, fixed for the log's life. */
  readonly format: AccessLogFormat;
  /** Lines carry the request's Referer and User-Agent (combined, json). */
  readonly detailed: boolean;
  /** Lines carry a duration: the transport notes when each request's head was read (json). */
  readonly timed: boolean;
  private buffer = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly write: (text: string) => void;

  /** Creates a log writing to `sink`, in `options.format` (default `common`). */
  constructor(sink: AccessLogSink, options: AccessLogOptions = {}) {
    const format = options.format ?? "common";
    if (!ACCESS_LOG_FORMATS.includes(format))
      throw new TypeError(`access log format: ${ACCESS_LOG_FORMATS.join(", ")} (got ${JSON.stringify(format)})`);
    this.format = format;
    this.detailed = format !== "common";
    this.timed = format === "json";
    if (typeof sink === "function") this.write = sink;
    else if (sink === "-") this.write = (text) => process.stdout.write(text);
    else this.write = (text) => appendFileSync(sink, text);
  }

  /**
   * Records one response. `url` is absolute; `request` is `METHOD url VERSION` or "-". In a
   * detailed format the line has no referer, user agent or duration (they are not given here); a
   * JSON line takes the method, URL and protocol from `request` (split at its first and last space).
   */
  log(client: string, user: string, request: string, status: number, bytes: number): void {
    if (this.detailed) this.record({ client, user, request }, status, bytes);
    else this.append(this.clfLine(client, user, request, status, bytes, "\n"));
  }

  /**
   * Records the response to `r` in the log's format: `status`, `bytes` on the wire, and — for a
   * duration — now as the moment its last byte was handed to the socket (or its connection closed).
   */
  record(r: LoggedRequest, status: number, bytes: number): void {
    if (this.format === "json") this.append(this.jsonLine(r, status, bytes));
    else if (this.format === "combined") {
      const end = ` "${quotedOrDash(r.referer)}" "${quotedOrDash(r.userAgent)}"\n`;
      this.append(this.clfLine(r.client, r.user, r.request, status, bytes, end));
    } else this.append(this.clfLine(r.client, r.user, r.request, status, bytes, "\n"));
  }

  /** A Common Log Format line ending with `end` ("\n", or the combined format's two fields and "\n"). */
  private clfLine(client: string, user: string, request: string, status: number, bytes: number, end: string): string {
    // A user name is one token: anything that would split or quote it becomes "_".
    const who = user ? user.replace(/[\s"\x00-\x1f\x7f]/g, "_") : "-";
    return `${client} - ${who} ${clfTime(Date.now())} "${escapeLogField(request)}" ${status} ${bytes}${end}`;
  }

  /** A JSON line: absent values are null; the duration in ms to the µs, null when the head's time is unknown. */
  private jsonLine(r: LoggedRequest, status: number, bytes: number): string {
    let { method = null, url = null, protocol = null } = r;
    if (method === null && r.request !== "-") {
      // From log(): the parts are in the request line (a method and a version hold no space).
      const first = r.request.indexOf(" ");
      const last = r.request.lastIndexOf(" ");
      if (first > 0 && last > first) {
        method = r.request.slice(0, first);
        url = r.request.slice(first + 1, last);
        protocol = r.request.slice(last + 1);
      }
    }
    const headAt = r.headAt ?? 0;
    return jsonLogLine({
      time: new Date().toISOString(),
      client: r.client,
      user: r.user === "" ? null : r.user,
      method,
      url,
      protocol,
      status,
      bytes,
      durationMs: headAt > 0 ? Math.round((performance.now() - headAt) * 1000) / 1000 : null,
      referer: r.referer ?? null,
      userAgent: r.userAgent ?? null,
    });
  }

  /** Buffers `line`; writes at FLUSH_BYTES, else within FLUSH_INTERVAL_MS. */
  private append(line: string): void {
    this.buffer += line;
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
