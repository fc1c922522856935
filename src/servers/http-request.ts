/**
 * HttpRequest: one request as a servlet reads it, lazily from the parser's offsets (SPEC §2.3).
 * Nothing is decoded until asked; each string is decoded once and cached. HttpSession extends it
 * with the response; the mount table routes on its bytes without making strings (hot path). Members
 * only the framework uses are protected and reached through http-session.ts's sessionInternals,
 * which netsvc does not export: no user calls them by mistake.
 */
import {
  COLON,
  findHeader,
  headerValues,
  latin1,
  METHOD_HEAD,
  QUESTION,
  RequestHead,
  SLASH,
  spanEqualsIgnoreCase,
} from "../parser/index.ts";
import type { ChannelAddresses, RequestChannel } from "./request-channel.ts";
import { needsNormalising, normaliseRequestPath } from "./path-safety.ts";
import type { Refused } from "./refusal.ts";

/**
 * What a retired request reads: an empty head over no bytes. Once destroyServlet() has returned,
 * the connection's buffers belong to other requests (and other connections: they are pooled),
 * so a late accessor call gets empty values instead of someone else's bytes.
 */
const RETIRED: { readonly head: RequestHead; readonly headBytes: Uint8Array } = {
  head: new RequestHead({ maxHeaders: 1 }),
  headBytes: new Uint8Array(0),
};
const ASTERISK = 0x2a;

/** The request side of an HttpSession. */
export class HttpRequest {
  /** The login that passed authentication, "" otherwise (set by the request cycle). */
  protected user = "";
  /**
   * Where the head and its bytes are read: the connection, until the request is retired (then
   * RETIRED). Swapping the source instead of testing a flag keeps every accessor branch-free.
   */
  private source: { readonly head: RequestHead; readonly headBytes: Uint8Array };
  /**
   * Where the addresses and the TLS flag are read: the connection, until the request is retired
   * (then what its transport fixes for it: an HTTP/2 stream is pooled and serves other clients).
   */
  private peers: ChannelAddresses;
  private cachedPath: string | Refused | null = null;
  private cachedQuery: URLSearchParams | null = null;
  private attachedPath = "/";
  private attachedEnd = 0;
  private servletPathOverride: string | null = null;
  private info = "";

  /** Reads the request on `connection` (its current head). */
  constructor(
    /** The transport this request arrived on (the port: an HTTP/1 connection today). */
    readonly connection: RequestChannel,
  ) {
    this.source = connection;
    this.peers = connection;
  }

  // ── the request line ─────────────────────────────────────────────────────────────────────

  protected get head(): RequestHead {
    return this.source.head;
  }

  protected get bytes(): Uint8Array {
    return this.source.headBytes;
  }

  /** destroyServlet() has returned: the request's bytes are no longer ours to read. */
  protected retire(): void {
    this.source = RETIRED;
    this.peers = this.connection.retiredAddresses();
  }

  /** The bytes the head's spans point into (empty once the request is retired). */
  protected get headBytes(): Uint8Array {
    return this.bytes;
  }

  /** The method, e.g. "GET". */
  requestMethod(): string {
    return latin1(this.bytes, this.head.methodStart, this.head.methodEnd);
  }

  /** The method as a METHOD_* number of the parser (METHOD_OTHER for extension methods). */
  methodCode(): number {
    return this.head.method;
  }

  /**
   * True for an HTTP/1.1 (or later 1.x) request: it is answered in HTTP/1.1 — persistent by
   * default, a body without Content-Length sent chunked. HTTP/1.0 and 0.9 are answered as OSE did.
   */
  isHttp11(): boolean {
    const head = this.head;
    return head.versionMajor === 1 && head.versionMinor >= 1;
  }

  /** True for HEAD requests (the body of the response is not sent). */
  isHead(): boolean {
    return this.head.method === METHOD_HEAD;
  }

  /** Path part of the target relative to targetStart (the head may move), -1 until located. */
  private pathFrom = -1;
  private pathTo = -1;

  /** Start of the path part of the target (absolute-form authority skipped). */
  protected get pathStart(): number {
    return this.head.targetStart + this.pathFrom;
  }

  /** End of the path part (query excluded). */
  protected get pathEnd(): number {
    return this.head.targetStart + this.pathTo;
  }

  /** Finds the path part of the target (once). Allocation-free. */
  protected locatePath(): void {
    if (this.pathFrom >= 0) return;
    const buf = this.bytes;
    let s = this.head.targetStart;
    const e = this.head.targetEnd;
    if (buf[s] !== SLASH) {
      // absolute-form (SPEC §5): skip "scheme://authority"
      let colon = s;
      while (colon < e && buf[colon] !== COLON) colon++;
      if (colon < e && buf[colon + 1] === SLASH && buf[colon + 2] === SLASH) {
        let p = colon + 3;
        while (p < e && buf[p] !== SLASH && buf[p] !== QUESTION) p++;
        s = p;
      }
    }
    let q = s;
    while (q < e && buf[q] !== QUESTION) q++;
    this.pathFrom = s - this.head.targetStart;
    this.pathTo = q - this.head.targetStart;
  }

  /** isPlainPath()'s answer once known: -1 not yet, 0 no, 1 yes (the daemon and servers both ask). */
  private plainPath = -1;

  /** True when the raw path is already normal (no escapes, no dot or empty segments). */
  protected isPlainPath(): boolean {
    if (this.plainPath < 0) {
      this.locatePath();
      const plain =
        this.pathStart < this.pathEnd &&
        this.bytes[this.pathStart] === SLASH &&
        !needsNormalising(this.bytes, this.pathStart, this.pathEnd);
      this.plainPath = plain ? 1 : 0;
    }
    return this.plainPath === 1;
  }

  /** Raw (undecoded) path as sent; "/" for an absolute-form target without a path. */
  rawPath(): string {
    this.locatePath();
    return this.pathStart === this.pathEnd ? "/" : latin1(this.bytes, this.pathStart, this.pathEnd);
  }

  /**
   * The path, percent-decoded once and normalised (SPEC §5). A path that cannot be decoded is
   * answered 400 (403 above the root) by the daemon before any servlet runs.
   */
  requestPath(): string {
    const p = this.pathOrStatus();
    return typeof p === "string" ? p : "";
  }

  /** The normalised path, or the status code that refuses it. */
  protected pathOrStatus(): string | Refused {
    if (this.cachedPath !== null) return this.cachedPath;
    this.locatePath();
    const s = this.pathStart;
    const e = this.pathEnd;
    const buf = this.bytes;
    if (s === e) this.cachedPath = buf[this.head.targetStart] === ASTERISK ? "*" : "/";
    else if (buf[s] !== SLASH) this.cachedPath = 400;
    else if (!needsNormalising(buf, s, e)) this.cachedPath = latin1(buf, s, e);
    else this.cachedPath = normaliseRequestPath(buf, s, e);
    return this.cachedPath;
  }

  /** The raw query string after `?`, undecoded; "" when absent. */
  queryString(): string {
    const buf = this.bytes;
    const e = this.head.targetEnd;
    const q = buf.indexOf(QUESTION, this.head.targetStart);
    return q < 0 || q >= e ? "" : latin1(buf, q + 1, e);
  }

  /**
   * The query string's parameters, decoded (`+` as space, percent-escapes as UTF-8): `get(name)`,
   * `getAll(name)`, `has(name)` (SPEC §13). Empty when there is no query. Made on the first call and
   * kept for the request; read-only in spirit (changing it changes nothing about the request).
   */
  query(): URLSearchParams {
    return (this.cachedQuery ??= new URLSearchParams(this.queryString()));
  }

  /** `HTTP/1.0`, `HTTP/1.1`, `HTTP/0.9`, or `HTTP/2` for a request on an HTTP/2 stream (RFC 9113 names it so). */
  protocolVersion(): string {
    const head = this.head;
    return head.versionMajor === 2 ? "HTTP/2" : `HTTP/${head.versionMajor}.${head.versionMinor}`;
  }

  // ── hosts and ports ──────────────────────────────────────────────────────────────────────

  /** The authority the client addressed: absolute-form host, else Host, else "". */
  protected authority(): string {
    const buf = this.bytes;
    const s = this.head.targetStart;
    if (buf[s] !== SLASH && buf[s] !== ASTERISK) {
      const target = latin1(buf, s, this.head.targetEnd);
      const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
      if (m) return m[1]!.replace(/^.*@/, "");
    }
    const i = this.head.hostIndex;
    if (i < 0) return "";
    return latin1(buf, this.head.headers[i * 4 + 2]!, this.head.headers[i * 4 + 3]!);
  }

  /** Host part of the authority, or the local address when the client named none. */
  serverHost(): string {
    const a = this.authority();
    if (a === "") return this.peers.localAddress;
    const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(a);
    return m ? m[1]! : a;
  }

  /**
   * Port of the authority (the scheme's default when the client named a host without one: 80, or
   * 443 over TLS, RFC 9110 §4.2), else the local port.
   */
  serverPort(): number {
    const a = this.authority();
    if (a === "") return this.peers.localPort;
    const m = /:(\d+)$/.exec(a);
    return m ? Number(m[1]) : this.peers.isSecure() ? 443 : 80;
  }

  /** True when the request came over TLS (SPEC §10). */
  isSecure(): boolean {
    return this.peers.isSecure();
  }

  /** "https" over TLS, else "http": the scheme of url(), serverRoot() and redirects. */
  scheme(): "http" | "https" {
    return this.peers.isSecure() ? "https" : "http";
  }

  /** `host[:port]` for absolute URLs. */
  private hostAndPort(): string {
    const a = this.authority();
    if (a !== "") return a;
    const host = this.peers.localAddress.includes(":") ? `[${this.peers.localAddress}]` : this.peers.localAddress;
    return `${host}:${this.peers.localPort}`;
  }

  /** The peer's address. */
  clientHost(): string {
    return this.peers.remoteAddress;
  }

  /** The peer's port. */
  clientPort(): number {
    return this.peers.remotePort;
  }

  /** Absolute URL of the request: `http[s]://host[:port]/path?query` (path as sent, still encoded). */
  url(): string {
    const q = this.queryString();
    return `${this.scheme()}://${this.hostAndPort()}${this.rawPath()}${q ? "?" + q : this.targetHasQuestion() ? "?" : ""}`;
  }

  private targetHasQuestion(): boolean {
    const q = this.bytes.indexOf(QUESTION, this.head.targetStart);
    return q >= 0 && q < this.head.targetEnd;
  }

  /** The login that passed Basic authentication, "" otherwise. */
  remoteUser(): string {
    return this.user;
  }

  // ── headers ──────────────────────────────────────────────────────────────────────────────

  /** Content-Length of the request, -1 when absent (or chunked). */
  contentLength(): number {
    return this.head.contentLength;
  }

  /** True when a body follows the head (Content-Length > 0, or chunked). */
  hasBody(): boolean {
    return this.head.hasBody();
  }

  /** True when the body is chunked (its length is unknown until the last chunk). */
  isChunked(): boolean {
    return this.head.chunked;
  }

  /** Content-Type of the request, "" when absent. */
  contentType(): string {
    return this.header("content-type") ?? "";
  }

  /** True when the request has a field of that name (case-insensitive). */
  containsHeader(name: string): boolean {
    return findHeader(this.head, this.bytes, name) >= 0;
  }

  /**
   * True when the request has exactly one field `name` and its value is `value`, both compared
   * ignoring ASCII case. Reads the bytes in place: no string is made (a check per request that
   * header() would answer with an allocation, e.g. a Content-Type the servlet expects).
   */
  headerIs(name: string, value: string): boolean {
    const h = this.head;
    const i = findHeader(h, this.bytes, name);
    if (i < 0 || findHeader(h, this.bytes, name, i + 1) >= 0) return false;
    return spanEqualsIgnoreCase(this.bytes, h.headers[i * 4 + 2]!, h.headers[i * 4 + 3]!, value);
  }

  /** The field's value (case-insensitive name; repeated fields joined with ", "), or null. */
  header(name: string): string | null {
    return headerValues(this.head, this.bytes, name);
  }

  /** Every field, names lower-cased, repeated fields joined with ", ". */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    const h = this.head;
    for (let i = 0; i < h.headerCount; i++) {
      const name = latin1(this.bytes, h.headers[i * 4]!, h.headers[i * 4 + 1]!).toLowerCase();
      const value = latin1(this.bytes, h.headers[i * 4 + 2]!, h.headers[i * 4 + 3]!);
      out[name] = name in out ? `${out[name]}, ${value}` : value;
    }
    return out;
  }

  // ── where the request landed ────────────────────────────────────────────────────────────

  /** Set by the mount table after routing: attached path and where it ends in requestPath. */
  protected route(attachedPath: string, matchEnd: number): void {
    this.attachedPath = attachedPath;
    this.attachedEnd = matchEnd;
  }

  /** The path the server object is attached at. */
  serverPath(): string {
    return this.attachedPath;
  }

  /** Absolute URL of the attached path (`https` over TLS). */
  serverRoot(): string {
    return `${this.scheme()}://${this.hostAndPort()}${this.attachedPath}`;
  }

  /** The rest of the path below the attached path, without a leading `/`. */
  servletPath(): string {
    if (this.servletPathOverride !== null) return this.servletPathOverride;
    const rest = this.requestPath().slice(this.attachedEnd);
    return rest.startsWith("/") ? rest.slice(1) : rest;
  }

  /**
   * Where servletPath() begins in the head's bytes, for a plain path (isPlainPath()):
   * the servlet path is then exactly headBytes[servletPathStart() .. pathEnd), ASCII.
   */
  protected servletPathStart(): number {
    const start = this.pathStart + this.attachedEnd;
    return start < this.pathEnd && this.bytes[start] === SLASH ? start + 1 : start;
  }

  /** Extra path information bound by a server (FileServer plugins: the path below the file). */
  servletInfo(): string {
    return this.info;
  }

  /** Rebinds servletPath() and servletInfo() (for servers that resolve part of the path). */
  bindServlet(path: string, info: string): void {
    this.servletPathOverride = path;
    this.info = info;
  }
}
