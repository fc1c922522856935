/**
 * The real programs the tests drive (clients, a browser, a NATS server), in one table: the
 * command each test needs, and the Debian package that provides it. Read by `npm test`'s pretest
 * step (this file run as a script) and by the tests themselves (test/helpers/peers.ts).
 *
 *   bun scripts/peers.ts      as root with apt-get: installs what is missing, then reports;
 *                             elsewhere: reports what is missing and how to install it.
 *
 * A test that needs a missing program is skipped with the program and the install command in its
 * name; with CI=true it fails instead, so a CI machine without its peers cannot pass by skipping.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** One program the tests drive. */
export interface Peer {
  /** The command looked up on PATH. */
  readonly command: string;
  /** The Debian package that provides it. */
  readonly debianPackage: string;
  /** What the tests use it for (printed when it is missing). */
  readonly usedFor: string;
  /** A file the package installs beside the command (a module the command loads), if the test needs it. */
  readonly file?: string;
}

/** Every program a test drives; a test naming another one is a programming error. */
export const PEERS = {
  curl: { command: "curl", debianPackage: "curl", usedFor: "interop: ranges, resume, compression, uploads" },
  ab: { command: "ab", debianPackage: "apache2-utils", usedFor: "interop: ab -k keep-alive" },
  h2load: { command: "h2load", debianPackage: "nghttp2-client", usedFor: "interop: h2load --h1 pipelining" },
  nghttp: { command: "nghttp", debianPackage: "nghttp2-client", usedFor: "interop: nghttp as an HTTP/2 client (h2c and h2 over TLS)" },
  node: { command: "node", debianPackage: "nodejs", usedFor: "interop: Node's own http2 client (test/helpers/h2-node-client.mjs)" },
  python3: { command: "python3", debianPackage: "python3", usedFor: "interop: Python's http.client and xmlrpc.client" },
  "python3-h2": {
    command: "python3",
    debianPackage: "python3-h2",
    usedFor: "HTTP/2 frames cross-checked with Python's h2 (test/helpers/h2-peer.py)",
    file: "/usr/lib/python3/dist-packages/h2/__init__.py",
  },
  "python3-websockets": {
    command: "python3",
    debianPackage: "python3-websockets",
    usedFor:
      "interop: Python's websockets as a WebSocket client (ws-python-client.py; permessage-deflate negotiation, compressed messages)",
    file: "/usr/lib/python3/dist-packages/websockets/__init__.py",
  },
  chromium: { command: "chromium", debianPackage: "chromium", usedFor: "a real browser: pages, SPA, media seeking" },
  "nats-server": { command: "nats-server", debianPackage: "nats-server", usedFor: "the exchange over a real NATS bus" },
  nginx: { command: "nginx", debianPackage: "nginx-light", usedFor: "a real proxy in front: X-Forwarded-For for trustProxy" },
  "nginx-stream": {
    command: "nginx",
    debianPackage: "libnginx-mod-stream",
    usedFor: "a real proxy sending the PROXY protocol v1 (nginx's stream module, loaded by load_module)",
    file: "/usr/lib/nginx/modules/ngx_stream_module.so",
  },
  haproxy: { command: "haproxy", debianPackage: "haproxy", usedFor: "a real proxy sending the PROXY protocol v2 (send-proxy-v2)" },
  "python3-hpack": {
    command: "python3",
    debianPackage: "python3-h2",
    usedFor: "interop: Python's hpack module encodes and decodes header blocks beside ours",
    file: "/usr/lib/python3/dist-packages/hpack/__init__.py",
  },
  "python3-prometheus-client": {
    command: "python3",
    debianPackage: "python3-prometheus-client",
    usedFor: "the metrics page parsed by Prometheus' own Python client (prometheus-parse.py)",
    file: "/usr/lib/python3/dist-packages/prometheus_client/parser.py",
  },
  openssl: { command: "openssl", debianPackage: "openssl", usedFor: "TLS: protocols and ciphers offered (s_client)" },
  testssl: {
    command: "testssl",
    debianPackage: "testssl.sh",
    usedFor: "npm run tls:check: what the TLS port offers, beside nginx (minutes; not run by npm test)",
  },
  npm: { command: "npm", debianPackage: "npm", usedFor: "the packed package installed into throwaway projects" },
} as const satisfies Record<string, Peer>;

/** A program of the table. */
export type PeerName = keyof typeof PEERS;

/** Whether `name` is on PATH (and its file, if it names one, is installed). */
export function hasPeer(name: PeerName): boolean {
  const peer: Peer = PEERS[name];
  return Bun.which(peer.command) !== null && (peer.file === undefined || existsSync(peer.file));
}

/** The programs of the table that are not on PATH. */
export function missingPeers(): PeerName[] {
  return (Object.keys(PEERS) as PeerName[]).filter((name) => !hasPeer(name));
}

/** The command that installs `names` on Debian. */
export function installCommand(names: readonly PeerName[]): string {
  return `apt-get install ${[...new Set(names.map((n) => PEERS[n].debianPackage))].join(" ")}`;
}

/** Whether this process may install Debian packages itself (root, with apt-get). */
function canInstall(): boolean {
  return process.getuid?.() === 0 && Bun.which("apt-get") !== null;
}

/** Installs `names` with apt-get; returns apt's output tail on failure, "" on success. */
function install(names: readonly PeerName[]): string {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const packages = [...new Set(names.map((n) => PEERS[n].debianPackage))];
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...packages],
  ]) {
    const r = spawnSync("apt-get", args, { env, encoding: "utf8" });
    if (r.status !== 0) return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-10).join("\n");
  }
  return "";
}

if (import.meta.main) {
  let missing = missingPeers();
  if (missing.length > 0 && canInstall()) {
    console.log(`peers: installing ${missing.map((n) => PEERS[n].debianPackage).join(", ")} (apt-get, once)`);
    const failure = install(missing);
    if (failure) console.log(`peers: apt-get failed:\n${failure}`);
    missing = missingPeers();
  }
  if (missing.length === 0) {
    console.log(`peers: ${Object.keys(PEERS).join(", ")} present`);
  } else {
    const ci = process.env.CI === "true";
    console.log(`peers: missing ${missing.join(", ")}: the tests that drive them ${ci ? "FAIL (CI=true)" : "are skipped"}`);
    for (const name of missing) console.log(`  ${name}: ${PEERS[name].usedFor}`);
    console.log(`  install them with: ${installCommand(missing)}   (as root; \`npm test\` does this itself when run as root)`);
  }
}
