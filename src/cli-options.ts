/**
 * The binary's command line (SPEC §9) parsed with node:util's parseArgs: every option takes its
 * value as `--flag value` or `--flag=value`; `--log [FILE]` and `--cors [ORIGIN]` may stand
 * without one. Values are checked here, with one clear message each (CliError), so cli.ts only
 * builds what they describe.
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { ACCESS_LOG_FORMATS, type AccessLogFormat } from "./daemon/access-log.ts";

/** What the command line asks for. */
export interface Options {
  root: string;
  port: number;
  host: string;
  index: string[];
  hide: string[];
  map: [string, string][];
  plugin: string[];
  echo: string | null;
  auth: [string, string] | null;
  allow: string[];
  deny: string[];
  log: string | null;
  workers: number;
  maxRequests: number;
  /** --max-connections; null: the daemon's default (MAX_CONNECTIONS). */
  maxConnections: number | null;
  cache: number | null;
  cors: string | null;
  spa: boolean;
  list: boolean;
  compress: boolean;
  rpc: string | null;
  /** --metrics PATH: the Prometheus metrics page at PATH; null: none. */
  metrics: string | null;
  /** --nats, repeatable: the URLs of one NATS cluster (empty: no bus). */
  nats: string[];
  /** --nats-creds FILE: a `.creds` file (JWT + NKey seed) presented to NATS; null: none. */
  natsCreds: string | null;
  /** --nats-ca FILE, --nats-cert FILE --nats-key FILE: TLS to NATS (a private CA, a client certificate); null: none. */
  natsTls: { ca?: string; cert?: string; key?: string } | null;
  /** --tls-cert / --tls-key pairs, in order (the first is the default; SNI picks the others); null: cleartext. */
  tls: { cert: string; key: string }[] | null;
  /** --redirect-http PORT: a cleartext port answering 308 to HTTPS (needs --tls-cert); null: none. */
  redirectHttp: number | null;
  /** --https-port PORT: the HTTPS port the redirects name (port mapping; needs --redirect-http); null: the listening one. */
  httpsPort: number | null;
  /** --hsts SECONDS: Strict-Transport-Security max-age on HTTPS answers (needs --tls-cert); null: none. */
  hsts: number | null;
  /** False with --no-http2: HTTP/1.x only (SPEC §11). */
  http2: boolean;
  help: boolean;
  /** --config FILE: a JSON file of flags and sites (config-file.ts); null: none. */
  config: string | null;
  /** --version (-v): print the package's version and exit. */
  version: boolean;
  /** --trust-proxy (repeatable): proxies whose PROXY header / forwarded headers name the client. */
  trustProxy: string[];
  /** --forwarded-header: the header the trusted proxies write the client into (needs --trust-proxy); null: X-Forwarded-For. */
  forwardedHeader: "x-forwarded-for" | "forwarded" | null;
  /** --log-format: the access log's line format (needs --log); default common. */
  logFormat: AccessLogFormat;
}

/** A command line that cannot be served; the message names the option and what it takes. */
export class CliError extends Error {}

const SPEC = {
  port: { type: "string" },
  host: { type: "string" },
  index: { type: "string", multiple: true },
  hide: { type: "string", multiple: true },
  map: { type: "string", multiple: true },
  plugin: { type: "string", multiple: true },
  echo: { type: "string" },
  auth: { type: "string" },
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  "trust-proxy": { type: "string", multiple: true },
  "forwarded-header": { type: "string" },
  log: { type: "string" },
  workers: { type: "string" },
  "max-requests": { type: "string" },
  "max-connections": { type: "string" },
  cache: { type: "string" },
  cors: { type: "string" },
  spa: { type: "boolean" },
  list: { type: "boolean" },
  compress: { type: "boolean" },
  rpc: { type: "string" },
  metrics: { type: "string" },
  nats: { type: "string", multiple: true },
  "nats-creds": { type: "string" },
  "nats-ca": { type: "string" },
  "nats-cert": { type: "string" },
  "nats-key": { type: "string" },
  "tls-cert": { type: "string", multiple: true },
  "tls-key": { type: "string", multiple: true },
  "redirect-http": { type: "string" },
  "https-port": { type: "string" },
  hsts: { type: "string" },
  "no-http2": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  config: { type: "string" },
  version: { type: "boolean", short: "v" },
  "log-format": { type: "string" },
} as const;

/** Options whose value may be left out, and the value they then take. */
export const OPTIONAL_VALUE: Readonly<Record<string, string>> = { "--log": "-", "--cors": "*" };

/**
 * Each flag's name (without "--") and what it takes: a switch ("boolean"), one value ("string"),
 * one value per use, repeatable ("multiple"), or a value that may be left out ("optional").
 * What a config file's keys are checked against (config-file.ts).
 */
export const FLAG_TYPES: Readonly<Record<string, "boolean" | "string" | "multiple" | "optional">> = Object.fromEntries(
  Object.entries(SPEC).map(([name, spec]) => [
    name,
    spec.type === "boolean" ? "boolean" : `--${name}` in OPTIONAL_VALUE ? "optional" : "multiple" in spec ? "multiple" : "string",
  ]),
);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `--log` and `--cors` take the next argument as their value unless it is an option or a
 * directory (a directory is the root to serve); `--log=FILE` is never ambiguous.
 */
function fillOptionalValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const fallback = OPTIONAL_VALUE[arg];
    const next = argv[i + 1];
    if (fallback !== undefined && (next === undefined || next.startsWith("-") || isDirectory(next))) out.push(`${arg}=${fallback}`);
    else out.push(arg);
  }
  return out;
}

function wholeNumber(value: string, min: number, max: number): number {
  return /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max ? Number(value) : Number.NaN;
}

/**
 * `--tls-cert FILE --tls-key FILE`, repeatable in pairs (the n-th key is the n-th certificate's);
 * the files are read and checked by the daemon (SPEC §10).
 */
function tlsPairs(certs: string[] | undefined, keys: string[] | undefined): Options["tls"] {
  const c = certs ?? [];
  const k = keys ?? [];
  if (c.length === 0 && k.length === 0) return null;
  if (c.length !== k.length)
    throw new CliError(`--tls-cert and --tls-key go in pairs (got ${c.length} --tls-cert and ${k.length} --tls-key)`);
  return c.map((cert, i) => ({ cert, key: k[i]! }));
}

/**
 * `--nats-ca FILE` (the CA that signed the NATS servers' certificates: TLS to NATS) and
 * `--nats-cert FILE --nats-key FILE` (a client certificate, for `tls { verify: true }`), each a PEM
 * file checked to exist here and read by the Exchange; null when none is given.
 */
function natsTls(ca: string | undefined, cert: string | undefined, key: string | undefined, withNats: boolean): Options["natsTls"] {
  if (ca === undefined && cert === undefined && key === undefined) return null;
  if (!withNats) throw new CliError("--nats-ca, --nats-cert and --nats-key go with --nats");
  if ((cert === undefined) !== (key === undefined)) throw new CliError("--nats-cert and --nats-key go together");
  const tls: NonNullable<Options["natsTls"]> = {};
  for (const [flag, file, field] of [
    ["--nats-ca", ca, "ca"],
    ["--nats-cert", cert, "cert"],
    ["--nats-key", key, "key"],
  ] as const) {
    if (file === undefined) continue;
    if (!existsSync(file)) throw new CliError(`${flag}: no file ${JSON.stringify(file)}`);
    tls[field] = file;
  }
  return tls;
}

/**
 * Parses argv (without the runtime and script); throws a CliError for anything it cannot serve.
 * `defaultRoot` is the root when argv names none (a config file's).
 */
export function parseOptions(argv: string[], defaultRoot = "."): Options {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof SPEC; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: fillOptionalValues(argv), options: SPEC, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new CliError(`unknown option ${unknown[1]}`);
    const missing = /Option '(--[\w-]+)/.exec(message);
    throw new CliError(missing ? `${missing[1]} needs a value` : message);
  }
  const v = parsed.values;
  const o: Options = {
    root: defaultRoot,
    port: 8000,
    host: v.host ?? "127.0.0.1",
    index: v.index ?? [],
    hide: v.hide ?? [],
    map: [],
    plugin: v.plugin ?? [],
    echo: null,
    auth: null,
    allow: v.allow ?? [],
    deny: v.deny ?? [],
    log: v.log ?? null,
    workers: 1,
    maxRequests: 1000,
    maxConnections: null,
    cache: null,
    cors: v.cors ?? null,
    spa: v.spa ?? false,
    list: v.list ?? false,
    compress: v.compress ?? false,
    rpc: null,
    metrics: null,
    nats: [],
    natsCreds: null,
    natsTls: null,
    tls: tlsPairs(v["tls-cert"], v["tls-key"]),
    redirectHttp: null,
    httpsPort: null,
    hsts: null,
    http2: !(v["no-http2"] ?? false),
    help: v.help ?? false,
    config: v.config ?? null,
    version: v.version ?? false,
    trustProxy: v["trust-proxy"] ?? [],
    forwardedHeader: null,
    logFormat: "common",
  };
  if (parsed.positionals.length > 1)
    throw new CliError(`one root only (got ${parsed.positionals.map((p) => JSON.stringify(p)).join(" and ")})`);
  if (parsed.positionals.length === 1) o.root = parsed.positionals[0]!;
  if (v.port !== undefined) {
    // Digits only: Number("") is 0, which would silently pick a random port.
    o.port = wholeNumber(v.port, 0, 65535);
    if (Number.isNaN(o.port)) throw new CliError(`--port takes 0-65535 (got ${JSON.stringify(v.port)})`);
  }
  for (const m of v.map ?? []) {
    const eq = m.indexOf("=");
    if (eq <= 0) throw new CliError("--map takes EXT=TYPE");
    o.map.push([m.slice(0, eq), m.slice(eq + 1)]);
  }
  if (v.echo !== undefined) {
    if (!v.echo.startsWith("/")) throw new CliError("--echo takes a path such as /echo");
    o.echo = v.echo;
  }
  if (v.auth !== undefined) {
    const colon = v.auth.indexOf(":");
    if (colon <= 0) throw new CliError("--auth takes USER:PASSWORD");
    o.auth = [v.auth.slice(0, colon), v.auth.slice(colon + 1)];
  }
  if (v.rpc !== undefined) {
    if (!v.rpc.startsWith("/")) throw new CliError("--rpc takes a path such as /rpc");
    o.rpc = v.rpc;
  }
  if (v.metrics !== undefined) {
    if (!v.metrics.startsWith("/")) throw new CliError("--metrics takes a path such as /metrics");
    o.metrics = v.metrics;
  }
  // ── the bus (issue 21: a cluster, credentials) ──
  for (const url of v.nats ?? []) {
    if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(url)) throw new CliError("--nats takes a URL such as nats://127.0.0.1:4222");
    o.nats.push(url);
  }
  if (v["nats-creds"] !== undefined) {
    if (o.nats.length === 0) throw new CliError("--nats-creds goes with --nats");
    if (!existsSync(v["nats-creds"])) throw new CliError(`--nats-creds: no file ${JSON.stringify(v["nats-creds"])}`);
    o.natsCreds = v["nats-creds"];
  }
  o.natsTls = natsTls(v["nats-ca"], v["nats-cert"], v["nats-key"], o.nats.length > 0);
  const header = v["forwarded-header"];
  if (header !== undefined) {
    if (o.trustProxy.length === 0) throw new CliError("--forwarded-header goes with --trust-proxy (only trusted proxies are asked)");
    if (header !== "x-forwarded-for" && header !== "forwarded")
      throw new CliError(`--forwarded-header takes x-forwarded-for or forwarded (got ${JSON.stringify(header)})`);
    o.forwardedHeader = header;
  }
  if (v.cache !== undefined) {
    o.cache = wholeNumber(v.cache, 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(o.cache)) throw new CliError("--cache takes whole seconds (0: no-cache)");
  }
  const maxRequests = v["max-requests"];
  if (maxRequests !== undefined) {
    const n = wholeNumber(maxRequests, 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(n)) throw new CliError("--max-requests takes a whole number (0: no limit)");
    o.maxRequests = n === 0 ? Number.POSITIVE_INFINITY : n;
  }
  const maxConnections = v["max-connections"];
  if (maxConnections !== undefined) {
    o.maxConnections = wholeNumber(maxConnections, 1, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(o.maxConnections)) throw new CliError("--max-connections takes a whole number of connections, 1 or more");
  }
  if (v.workers !== undefined) {
    o.workers = wholeNumber(v.workers, 1, 256);
    if (Number.isNaN(o.workers)) throw new CliError("--workers takes 1-256");
  }
  // ── HTTPS's companions (issue 21): the cleartext redirect port, HSTS ──
  if (v["redirect-http"] !== undefined) {
    if (!o.tls) throw new CliError("--redirect-http goes with --tls-cert and --tls-key (it redirects to HTTPS)");
    o.redirectHttp = wholeNumber(v["redirect-http"], 0, 65535);
    if (Number.isNaN(o.redirectHttp))
      throw new CliError(`--redirect-http takes a port, 0-65535 (got ${JSON.stringify(v["redirect-http"])})`);
    // Each worker would pick its own free port: the port must be one all of them share.
    if (o.redirectHttp === 0 && o.workers > 1) throw new CliError("--redirect-http 0 cannot be shared by --workers: name the port");
  }
  if (v["https-port"] !== undefined) {
    if (o.redirectHttp === null) throw new CliError("--https-port goes with --redirect-http (it is the port its redirects name)");
    o.httpsPort = wholeNumber(v["https-port"], 1, 65535);
    if (Number.isNaN(o.httpsPort)) throw new CliError(`--https-port takes a port, 1-65535 (got ${JSON.stringify(v["https-port"])})`);
  }
  if (v.hsts !== undefined) {
    if (!o.tls) throw new CliError("--hsts goes with --tls-cert and --tls-key (HSTS is sent over HTTPS only)");
    o.hsts = wholeNumber(v.hsts, 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(o.hsts)) throw new CliError("--hsts takes whole seconds (e.g. 31536000, a year; 0 tells browsers to forget)");
  }
  const logFormat = v["log-format"];
  if (logFormat !== undefined) {
    if (!(ACCESS_LOG_FORMATS as readonly string[]).includes(logFormat))
      throw new CliError(`--log-format takes ${ACCESS_LOG_FORMATS.join(", ")} (got ${JSON.stringify(logFormat)})`);
    if (o.log === null) throw new CliError("--log-format goes with --log (it is the access log's format)");
    o.logFormat = logFormat as AccessLogFormat;
  }
  return o;
}
