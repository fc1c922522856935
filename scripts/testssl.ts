/**
 * What netsvc's TLS port offers, beside nginx's, as testssl.sh sees them (`npm run tls:check`).
 * Starts netsvc (an HttpDaemon in this process) and nginx (Debian nginx-light, 1 worker, its own
 * prefix in a temp dir, its stock TLS settings — `listen … ssl`, the certificate, and
 * `ssl_protocols TLSv1.2 TLSv1.3`, nginx 1.23.4's default less 1.0 and 1.1, as netsvc offers)
 * with the same committed test certificate, runs testssl.sh against each in turn, and prints
 * every finding of severity LOW or above side by side, then the facts worth comparing (protocols,
 * forward secrecy, cipher order). Slow (minutes) and load-making: run it under the shared lock,
 * never from `npm test`:
 *
 *   flock /tmp/netsvc-heavy.lock bun scripts/testssl.ts [--checks "-p -s -f -P -U"] [--keep DIR]
 *
 * `--checks`: the testssl.sh options (default: protocols, cipher categories, forward secrecy,
 * server preferences, vulnerabilities — what decides "no flag at all"). `--keep DIR` writes the
 * two JSON reports there.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nginxConfig } from "../bench/server/nginx-conf.ts";
import { waitFor } from "../bench/stress/clock.ts";
import { accepts } from "../bench/stress/sockets.ts";
import { freePort, NGINX } from "../bench/stress/targets.ts";
import { HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "../src/index.ts";

/** testssl.sh's severities, least first; a finding at LOW or above is a flag. */
export const SEVERITIES = ["DEBUG", "INFO", "OK", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
const FLAG_FROM = SEVERITIES.indexOf("LOW");

/** One entry of testssl.sh's flat JSON (`--jsonfile`). */
export interface Finding {
  id: string;
  severity: string;
  finding: string;
}

/** The checks run unless --checks says otherwise. */
export const DEFAULT_CHECKS = ["-p", "-s", "-f", "-P", "-U"];

/** The findings of a flat JSON report (an array of { id, severity, finding, … }); anything else is an error. */
export function parseReport(json: string): Finding[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error("testssl.sh report: not a JSON array (use --jsonfile, the flat format)");
  return data.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e.id !== "string" || typeof e.severity !== "string" || typeof e.finding !== "string")
      throw new Error(`testssl.sh report: entry ${i} lacks id, severity or finding`);
    return { id: e.id, severity: e.severity, finding: e.finding };
  });
}

/** Whether a finding is a flag (LOW, MEDIUM, HIGH or CRITICAL; WARN is testssl's own trouble, not the server's). */
export function isFlag(f: Finding): boolean {
  return SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]) >= FLAG_FROM;
}

/** Ids whose finding tells what is offered, shown for both servers whatever their severity. */
export const FACTS = [
  "SSLv2",
  "SSLv3",
  "TLS1",
  "TLS1_1",
  "TLS1_2",
  "TLS1_3",
  "cipherlist_NULL",
  "cipherlist_aNULL",
  "cipherlist_EXPORT",
  "cipherlist_LOW",
  "cipherlist_3DES_IDEA",
  "cipherlist_AVERAGE",
  "cipherlist_STRONG",
  "PFS",
  "PFS_ECDHE_curves",
  "cipher_order",
  "cipherorder_TLSv1_2",
  "cipher_order_TLSv1.2",
  "protocol_negotiated",
  "cipher_negotiated",
  "LUCKY13",
];

/** One row of the side-by-side table: an id and each server's "SEVERITY finding" ("—" when absent). */
export interface Row {
  id: string;
  cells: string[];
}

/**
 * The rows worth reading for `reports` (one per server, same order as the cells): every id that is
 * a flag in at least one report, then the FACTS present in any, each once, flags first.
 */
export function sideBySide(reports: Finding[][]): Row[] {
  const byId = reports.map((r) => {
    const m = new Map<string, Finding>();
    for (const f of r) if (!m.has(f.id)) m.set(f.id, f);
    return m;
  });
  const flagged = new Set<string>();
  for (const r of reports) for (const f of r) if (isFlag(f)) flagged.add(f.id);
  const facts = FACTS.filter((id) => !flagged.has(id) && byId.some((m) => m.has(id)));
  return [...flagged, ...facts].map((id) => ({
    id,
    cells: byId.map((m) => {
      const f = m.get(id);
      return f ? `${f.severity} ${f.finding}` : "—";
    }),
  }));
}

/** The count of flags in a report. */
export function flagCount(report: Finding[]): number {
  return report.filter(isFlag).length;
}

/** The table as Markdown (for docs/tls.md). */
export function markdown(names: string[], rows: Row[]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|");
  return [
    `| check | ${names.join(" | ")} |`,
    `| --- |${names.map(() => " --- |").join("")}`,
    ...rows.map((r) => `| ${r.id} | ${r.cells.map(cell).join(" | ")} |`),
  ].join("\n");
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────

const FIXTURES = join(import.meta.dir, "../test/fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const KEY = join(FIXTURES, "localhost.key");
/** Bounds one testssl.sh run. */
const TESTSSL_DEADLINE_MS = 15 * 60_000;
/** How long nginx may take to listen. */
const START_LIMIT_MS = 5000;

class Hello extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", "hello\n");
  }
}

/**
 * nginx with TLS on 127.0.0.1:port: the protocols netsvc offers (Debian's 1.22 defaults to 1.0-1.2,
 * without 1.3), its defaults otherwise (ciphers `HIGH:!aNULL:!MD5`, the client's order).
 */
async function startNginx(dir: string, port: number): Promise<() => Promise<void>> {
  const conf = nginxConfig(
    dir,
    `server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${CERT};
    ssl_certificate_key ${KEY};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "hello\\n"; }
  }`,
  );
  const proc = Bun.spawn([NGINX, "-p", dir, "-c", conf], { stdout: "ignore", stderr: "inherit" });
  if (!(await waitFor(() => accepts(port), START_LIMIT_MS))) {
    proc.kill("SIGKILL");
    throw new Error("nginx did not start");
  }
  return async () => {
    proc.kill("SIGQUIT");
    await proc.exited;
  };
}

/** Runs testssl.sh on 127.0.0.1:port and returns its findings (the JSON also kept at `jsonFile`). */
async function testssl(port: number, checks: string[], jsonFile: string): Promise<Finding[]> {
  rmSync(jsonFile, { force: true });
  const child = Bun.spawn(
    ["testssl", "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", jsonFile, ...checks, `127.0.0.1:${port}`],
    {
      stdout: "ignore",
      stderr: "inherit",
    },
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), TESTSSL_DEADLINE_MS);
  await child.exited;
  clearTimeout(timer);
  return parseReport(readFileSync(jsonFile, "utf8"));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const checks = option("--checks")?.split(/\s+/).filter(Boolean) ?? DEFAULT_CHECKS;
  const keep = option("--keep");
  if (!Bun.which("testssl")) throw new Error("testssl is missing: apt-get install testssl.sh");
  const work = mkdtempSync(join(tmpdir(), "netsvc-testssl-"));
  const out = keep ?? work;
  mkdirSync(out, { recursive: true });
  const daemon = new HttpDaemon(0, { tls: { cert: CERT, key: KEY }, accessLog: null, errorLog: () => {} });
  daemon.attach(
    "/",
    new (class extends HttpServer {
      override servlet(s: HttpSession) {
        return new Hello(s);
      }
    })(),
  );
  daemon.start();
  const nginxPort = freePort();
  const stopNginx = await startNginx(join(work, "nginx"), nginxPort);
  try {
    const started = new Date().toISOString();
    console.log(`testssl ${checks.join(" ")} — ${started}`);
    const netsvc = await testssl(daemon.port(), checks, join(out, "netsvc.json"));
    const nginx = await testssl(nginxPort, checks, join(out, "nginx.json"));
    const rows = sideBySide([netsvc, nginx]);
    console.log(`\nflags (LOW and above): netsvc ${flagCount(netsvc)}, nginx ${flagCount(nginx)}\n`);
    console.log(markdown(["netsvc", "nginx (`listen … ssl`, TLS 1.2/1.3)"], rows));
  } finally {
    await stopNginx();
    await daemon.stop(1000);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
