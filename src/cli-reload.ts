/**
 * SIGHUP (SPEC §14): the binary reloads without dropping a connection or a request. It re-reads the
 * command line's `--config` file and builds a new root server object (the file server, or the sites)
 * from it, attaching it at "/" in place of the old one: requests already routed finish with the
 * servers they were given, the next ones get the new. The certificates are re-read (new handshakes
 * use them; open connections go on). The access log needs no reopening: it opens its file by name
 * at every write, so after logrotate's rename the next lines go to the new file and none is lost.
 *
 * A file that cannot be served (a bad key or value, a root that is not a directory) is one line on
 * standard error, and the configuration in force stays. Options only a restart can change (the
 * port, the address, TLS on or off, the log file, the workers…) are named in one line and kept.
 */
import type { Options } from "./cli-options.ts";
import { protect, rootServer } from "./cli-root.ts";
import { type Configured, configure, SITE_KEYS } from "./config-file.ts";
import type { HttpDaemon, HttpServer, ModulePlugin } from "./index.ts";

/** Options a reload applies: what the root server object (a site's flags, the root) and --auth are made of. */
const LIVE = new Set<string>([...SITE_KEYS, "root", "config"]);

/** Where a reload reports. */
export interface ReloadReport {
  info(line: string): void;
  error(line: string): void;
}

/** What a reload works on: the running daemon, how it was configured, and the servers --auth covers beside the root. */
export interface Reloadable {
  daemon: HttpDaemon;
  argv: string[];
  started: Configured;
  modules: ModulePlugin;
  /** The --echo, --rpc and --metrics servers (protected by --auth as the root's file server is). */
  others: HttpServer[];
}

/** Reloads once (see the file comment); resolves when done, whatever happened (it reports, never throws). */
export async function reload(r: Reloadable, report: ReloadReport): Promise<void> {
  let next: Configured;
  let made: ReturnType<typeof rootServer>;
  try {
    next = configure(r.argv);
    made = rootServer(next, r.modules);
  } catch (e) {
    report.error(`netsvc: reload refused: ${(e as Error).message}; the configuration in force is kept`);
    return;
  }
  // The certificates first: a reload that cannot read them applies nothing.
  if (r.started.options.tls) {
    try {
      await r.daemon.reloadTls();
    } catch (e) {
      report.error(`netsvc: reload refused: ${(e as Error).message}; the configuration and certificates in force are kept`);
      return;
    }
  }
  const auth = next.options.auth;
  if (made.files !== null) protect(made.files, auth);
  for (const server of r.others) protect(server, auth);
  r.daemon.attach("/", made.root);
  const kept = restartOnly(r.started.options, next.options);
  const notes = [
    r.started.options.tls ? "certificates re-read" : "",
    kept.length > 0 ? `${kept.map((k) => `--${k}`).join(", ")} change only with a restart: kept` : "",
  ];
  report.info(`netsvc: reloaded${notes.some(Boolean) ? ` (${notes.filter(Boolean).join("; ")})` : ""}`);
}

/** The options that differ between `a` and `b` but only a restart applies, by flag name. */
export function restartOnly(a: Options, b: Options): string[] {
  const names: string[] = [];
  for (const key of Object.keys(a) as (keyof Options)[])
    if (!LIVE.has(key) && JSON.stringify(a[key]) !== JSON.stringify(b[key]))
      names.push(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  return names;
}

/** Reloads on every SIGHUP, one at a time (a HUP during a reload runs one more after it). */
export function reloadOnHangup(r: Reloadable, report: ReloadReport): void {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): void => {
    running = reload(r, report).then(() => {
      running = null;
      if (again) {
        again = false;
        run();
      }
    });
  };
  process.on("SIGHUP", () => {
    if (running !== null) again = true;
    else run();
  });
}
