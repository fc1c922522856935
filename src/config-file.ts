/**
 * `--config FILE` (SPEC §14): a JSON object whose keys are the binary's flags without their
 * dashes — `{ "port": 8080, "index": ["home.html"], "list": true, "tls-cert": "cert.pem" }` — plus
 * `root`, and `sites` for virtual hosts:
 *
 * ```json
 * { "port": 8080, "compress": true,
 *   "sites": [ { "host": ["example.com", "www.example.com"], "root": "/srv/example" },
 *              { "host": "docs.example.com", "root": "/srv/docs", "spa": true } ],
 *   "unknown-hosts": 421 }
 * ```
 *
 * The file becomes command-line arguments, checked by the same parser (cli-options.ts) with the
 * file's name in front of its message, so a value means in the file what it means as a flag. On
 * the command line, flags given there come after the file's: a single-valued one replaces the
 * file's, a repeatable one adds to them. A site takes the file server's flags (SITE_KEYS); those
 * at the top level are every site's defaults. An unknown key, a value of the wrong type or a value
 * the flag refuses is one error naming the file and the key.
 */
import { readFileSync } from "node:fs";
import { CliError, FLAG_TYPES, OPTIONAL_VALUE, type Options, parseOptions } from "./cli-options.ts";

/** What a config file says. */
export interface ConfigFile {
  /** The top-level keys as arguments (root excluded). */
  argv: string[];
  /** The top-level `root`, null when absent. */
  root: string | null;
  /** The `sites`, in order; empty without virtual hosts. */
  sites: SiteConfig[];
  /** `unknown-hosts`: what a host no site names gets (the first site, or 421). */
  unknownHosts: "first" | 421;
}

/** One site of `sites`. */
export interface SiteConfig {
  /** The host names it answers. */
  hosts: string[];
  /** Its root and flags as arguments (the top level's file-server flags first). */
  argv: string[];
}

/** The flags a site may set: the file server's, and its authentication. */
export const SITE_KEYS: ReadonlySet<string> = new Set([
  "index",
  "hide",
  "map",
  "plugin",
  "cache",
  "cors",
  "spa",
  "list",
  "compress",
  "auth",
]);
/** Flags a config file cannot hold (they are about the command line itself). */
const COMMAND_LINE_ONLY = new Set(["config", "help", "version"]);
/** Keys of the file that are not flags. */
const FILE_KEYS = new Set(["root", "sites", "unknown-hosts"]);

/** The command line's options, with its `--config` file's under them, and the file's sites (each a site's options). */
export interface Configured {
  options: Options;
  sites: { hosts: string[]; options: Options }[];
  unknownHosts: "first" | 421;
}

/**
 * Parses `argv`; with `--config FILE`, the file's flags first and argv's after them (argv's win),
 * and its sites. Throws a CliError; for a fault in the file, its message names the file (and the
 * site) and the key.
 */
export function configure(argv: string[]): Configured {
  const cli = parseOptions(argv);
  if (cli.config === null) return { options: cli, sites: [], unknownHosts: "first" };
  const path = cli.config;
  const file = readConfigFile(path);
  const inFile = (where: string, parse: () => Options): Options => {
    try {
      return parse();
    } catch (e) {
      if (e instanceof CliError) throw new CliError(`${where}: ${e.message}`);
      throw e;
    }
  };
  // The file alone first: a value it gets wrong is reported as the file's.
  inFile(path, () => parseOptions(file.argv, file.root ?? "."));
  const options = parseOptions([...file.argv, ...argv], file.root ?? ".");
  if (file.sites.length > 0 && options.root !== ".")
    throw new CliError(`${path} has sites, each with its root: a root on the command line cannot be served too`);
  const sites = file.sites.map((site, i) => ({
    hosts: site.hosts,
    options: inFile(`${path}: sites[${i}]`, () => parseOptions(site.argv)),
  }));
  return { options, sites, unknownHosts: file.unknownHosts };
}

/** Reads and checks `path` (see the file comment); throws a CliError naming the file and the key. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new CliError(`${path}: the file holds a JSON object of flags`);
  const fail = (where: string, why: string): never => {
    throw new CliError(`${path}: ${where}: ${why}`);
  };
  const config: ConfigFile = { argv: [], root: null, sites: [], unknownHosts: "first" };
  const siteDefaults: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === "root") config.root = stringValue(value) ?? fail('"root"', "takes a directory (a string)");
    else if (key === "unknown-hosts") {
      if (value !== "first" && value !== 421) fail('"unknown-hosts"', 'takes "first" (the first site answers) or 421');
      config.unknownHosts = value as "first" | 421;
    } else if (key !== "sites") {
      const args = flagArgs(key, value, (why) => fail(JSON.stringify(key), why));
      config.argv.push(...args);
      if (SITE_KEYS.has(key)) siteDefaults.push(...args);
    }
  }
  const sites = json.sites;
  if (sites !== undefined) {
    if (!Array.isArray(sites) || sites.length === 0) fail('"sites"', "takes a list of sites, each with a host and a root");
    if (config.root !== null) fail('"root"', "with sites, each site names its own root");
    for (const [i, site] of (sites as unknown[]).entries())
      config.sites.push(readSite(site, siteDefaults, (why) => fail(`sites[${i}]`, why)));
  }
  return config;
}

/** One site: its hosts, root and flags. */
function readSite(site: unknown, defaults: string[], fail: (why: string) => never): SiteConfig {
  if (!isObject(site)) return fail("a site is an object with a host and a root");
  const hosts = typeof site.host === "string" ? [site.host] : site.host;
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === "string" && h !== ""))
    fail('"host" is required: a host name, or a list of them');
  const root = stringValue(site.root) ?? fail('"root" is required: the directory this site serves');
  const argv = [...defaults];
  for (const [key, value] of Object.entries(site)) {
    if (key === "host" || key === "root") continue;
    if (!SITE_KEYS.has(key)) fail(`"${key}" is not a site's (a site takes ${[...SITE_KEYS].join(", ")})`);
    // A site's false turns off a switch the top level turned on for every site.
    if (value === false && FLAG_TYPES[key] === "boolean") {
      for (let i = argv.indexOf(`--${key}`); i >= 0; i = argv.indexOf(`--${key}`)) argv.splice(i, 1);
    }
    argv.push(...flagArgs(key, value, (why) => fail(`"${key}": ${why}`)));
  }
  argv.push(root);
  return { hosts: hosts as string[], argv };
}

/** The arguments a key's value stands for: `--key=value` per value, `--key` for true. */
function flagArgs(key: string, value: unknown, fail: (why: string) => never): string[] {
  const type = FLAG_TYPES[key];
  if (type === undefined || COMMAND_LINE_ONLY.has(key) || FILE_KEYS.has(key))
    return fail(`unknown key (the keys are the flags' names without "--", and root, sites, unknown-hosts)`);
  if (type === "boolean") {
    if (typeof value !== "boolean") fail("takes true or false");
    return value ? [`--${key}`] : [];
  }
  if (type === "optional" && value === true) return [`--${key}=${OPTIONAL_VALUE[`--${key}`]}`];
  const values = Array.isArray(value) && type === "multiple" ? value : [value];
  return values.map(
    (v) =>
      `--${key}=${stringValue(v) ?? fail(type === "multiple" ? "takes a string or a number, or a list of them" : "takes a string or a number")}`,
  );
}

/** A string, or a finite number as its decimal text; null for anything else. */
function stringValue(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
