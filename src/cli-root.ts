/**
 * The server object the binary serves its files with (SPEC §9, §14): the root's FileServer, or —
 * with a config file's sites — VirtualHosts of one FileServer per site. Made at start and again on
 * every reload (cli-reload.ts), from the options alone.
 */
import type { Options } from "./cli-options.ts";
import type { Configured } from "./config-file.ts";
import { credentialsMatcher, FileServer, type HttpServer, type ModulePlugin, VirtualHosts } from "./index.ts";
import { statSync } from "node:fs";

/** True when `path` is a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file server the options describe (a site's, or the root's). */
export function fileServer(o: Options, modules: ModulePlugin): FileServer {
  const files = new FileServer(o.root);
  for (const name of o.index) files.index(name);
  for (const ext of o.hide) files.hide(ext);
  for (const [ext, type] of o.map) files.map(ext, type);
  if (o.cache !== null) files.cacheControl(o.cache === 0 ? "no-cache" : `public, max-age=${o.cache}`);
  if (o.cors !== null) files.cors(o.cors);
  files.spa(o.spa).listing(o.list).compress(o.compress);
  for (const ext of o.plugin) files.plugin(ext, modules);
  return files;
}

/**
 * HTTP Basic for `server` with `auth` (USER, PASSWORD): both fields compared in constant time,
 * always (a wrong user costs what a wrong password does). Null lifts it (a reload without --auth).
 */
export function protect(server: HttpServer, auth: [string, string] | null): void {
  if (auth === null) {
    // back to the class's own (no authentication unless the class has its own)
    Reflect.deleteProperty(server, "authorise");
    return;
  }
  server.realm = "netsvc";
  server.authorise = credentialsMatcher(...auth);
}

/**
 * What is attached at "/": the root's file server (protected by --auth by the caller, with the
 * other servers), or the sites as virtual hosts, each protected by its own `auth`. Throws an
 * Error with a one-line message for a root that is not a directory or a host given twice.
 */
export function rootServer(c: Configured, modules: ModulePlugin): { root: HttpServer; files: FileServer | null } {
  if (c.sites.length === 0) {
    if (!isDirectory(c.options.root)) throw new Error(`${c.options.root} is not a directory`);
    const files = fileServer(c.options, modules);
    return { root: files, files };
  }
  const hosts = new VirtualHosts().unknownHosts(c.unknownHosts);
  for (const site of c.sites) {
    if (!isDirectory(site.options.root)) throw new Error(`${site.options.root} (the site of ${site.hosts[0]}) is not a directory`);
    const server = fileServer(site.options, modules);
    if (site.options.auth) protect(server, site.options.auth);
    hosts.site(site.hosts, server);
  }
  return { root: hosts, files: null };
}
