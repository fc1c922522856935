/**
 * An Exchange on a bus that authenticates (SPEC §10, issue 21 item 3): real nats-servers with
 * user/password, a token, an NKey, accounts with a .creds file and TLS with a client
 * certificate, each also given the wrong
 * credential — then connect() rejects with one line naming the server and the reason, and the
 * client does not try again in a loop (the server's log counts the refused attempts).
 */
import { expect } from "bun:test";
import { Exchange, Service, ServiceRegistry } from "../../src/entry/services.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { EXCHANGE_RECONNECT_WAIT_MS } from "../../src/services/limits.ts";
import { eventually } from "../helpers/eventually.ts";
import { operatorAccount } from "../helpers/nats-jwt.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";
import { run, withCli } from "../helpers/spawn.ts";

/** Starting nats-servers and connecting is slow on a loaded machine. */
const AUTH_TEST_TIMEOUT_MS = 30_000;

/** An exchange with one service "auth-echo"; closed at the end of the scope. */
function exchange(options: Omit<ConstructorParameters<typeof Exchange>[0], "registry" | "log">) {
  const registry = new ServiceRegistry();
  registry.errorLog = () => {};
  const log: string[] = [];
  const ex = new Exchange({ ...options, registry, log: (m) => log.push(m) });
  return {
    registry,
    exchange: ex,
    log,
    async [Symbol.asyncDispose]() {
      await ex.close();
    },
  };
}

/** Two exchanges on `url`-like options: one hosts a service, the other calls it across the bus. */
async function expectCallAcross(options: Omit<ConstructorParameters<typeof Exchange>[0], "registry" | "log">) {
  await using host = exchange(options);
  await using caller = exchange(options);
  new Service("auth-echo", host.registry).exportMethod((s: string) => `echo ${s}`, "echo");
  await host.exchange.connect();
  await caller.exchange.connect();
  await whenKnown(caller.registry, "auth-echo");
  expect(await caller.registry.call("auth-echo", "echo", ["hi"])).toBe("echo hi");
}

/** Resolves once `r` knows a remote instance of `name` (re-checked on each registry event); rejects after 5 s. */
function whenKnown(r: ServiceRegistry, name: string): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const done = () => (r.lookup(name)?.remote ?? 0) > 0;
  if (done()) return Promise.resolve();
  const timer = setTimeout(() => {
    stop();
    reject(new Error(`${name} never appeared on the bus`));
  }, 5_000);
  const stop = r.subscribe(() => {
    if (!done()) return;
    clearTimeout(timer);
    stop();
    resolve();
  });
  return promise;
}

/**
 * How long the refused client is watched for a second attempt: 8 of the Exchange's retry waits
 * (before the fix it made ~8 attempts a second). This is a bounded observation of an absence
 * (nothing signals "did not retry"), not a wait standing in for an event.
 */
const RETRY_WATCH_MS = 8 * EXCHANGE_RECONNECT_WAIT_MS;

/** nats-server's log line for each refused connection (v2.9: "... - authentication error"). */
const REFUSED = /authentication error|Authorization Violation/;

/**
 * connect() with `options` rejects with one line naming the server and the credential kind, the
 * server saw exactly one refused attempt, and none follows while watched; nothing is logged.
 */
async function expectRefused(
  nats: NatsServer,
  options: Omit<ConstructorParameters<typeof Exchange>[0], "registry" | "log">,
  kind: string,
  reason = REFUSED,
) {
  await using side = exchange(options);
  const err = await side.exchange.connect().then(
    () => null,
    (e: Error) => e,
  );
  expect(err?.message).toStartWith(`NATS at nats://127.0.0.1:${nats.port} refused the credentials (${kind})`);
  expect(err?.message).toMatch(reason);
  expect(err?.message).not.toContain("s3cret");
  expect(side.exchange.isConnected()).toBe(false);
  await eventually(async () => expect(nats.countLog(REFUSED)).toBeGreaterThanOrEqual(1));
  await new Promise((r) => setTimeout(r, RETRY_WATCH_MS)); // see RETRY_WATCH_MS
  expect(nats.countLog(REFUSED)).toBe(1);
  expect(side.log).toEqual([]);
}

const USERS = "authorization { user: svc, password: s3cret }";

peerTest(
  ["nats-server"],
  "user and password in the nats:// URL are honoured",
  async () => {
    await using nats = await NatsServer.start(USERS);
    await expectCallAcross({ servers: `nats://svc:s3cret@127.0.0.1:${nats.port}` });
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "user and password as options; a wrong password is refused once, with a clear error",
  async () => {
    await using nats = await NatsServer.start(USERS);
    await expectCallAcross({ servers: nats.url, user: "svc", pass: "s3cret" });
    await expectRefused(nats, { servers: nats.url, user: "svc", pass: "wrong" }, "user/pass");
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a wrong password in the URL is refused once, and the message does not repeat it",
  async () => {
    await using nats = await NatsServer.start("authorization { user: svc, password: right }");
    await expectRefused(nats, { servers: `nats://svc:s3cret@127.0.0.1:${nats.port}` }, "user/pass");
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a token, as an option and in the URL; a wrong one is refused once",
  async () => {
    await using nats = await NatsServer.start("authorization { token: t0ken-s3cret }");
    await expectCallAcross({ servers: nats.url, token: "t0ken-s3cret" });
    await expectCallAcross({ servers: `nats://t0ken-s3cret@127.0.0.1:${nats.port}` });
    await expectRefused(nats, { servers: nats.url, token: "wrong-s3cret" }, "token");
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "an NKey seed; a seed the server does not know is refused once",
  async () => {
    const user = nkeys.createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    await using nats = await NatsServer.start(`authorization { users = [ { nkey: ${user.getPublicKey()} } ] }`);
    await expectCallAcross({ servers: nats.url, nkey: seed });
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    await expectRefused(nats, { servers: nats.url, nkey: stranger }, "nkey");
  },
  AUTH_TEST_TIMEOUT_MS,
);

const TLS_DIR = "test/fixtures/tls/nats";
/** A nats-server with TLS that verifies client certificates against the test CA. */
const TLS_VERIFYING = `tls { cert_file: "${TLS_DIR}/server.pem", key_file: "${TLS_DIR}/server-key.pem", ca_file: "${TLS_DIR}/ca.pem", verify: true }`;

peerTest(
  ["nats-server"],
  "TLS with a CA and a client certificate the server verifies; a certificate it did not sign is not let in",
  async () => {
    await using nats = await NatsServer.start(TLS_VERIFYING);
    await expectCallAcross({
      servers: nats.url,
      tls: { ca: `${TLS_DIR}/ca.pem`, cert: `${TLS_DIR}/client.pem`, key: await Bun.file(`${TLS_DIR}/client-key.pem`).text() },
    });
    // A certificate its CA did not sign: the server answers the TLS 1.3 handshake with an alert,
    // which the NATS client sees only as its connect timeout; the Exchange then asks the server
    // itself and names the refusal, final whatever `retry` says (nats-tls-refusal.ts).
    await using stranger = exchange({
      servers: nats.url,
      tls: { ca: `${TLS_DIR}/ca.pem`, cert: `${TLS_DIR}/stranger.pem`, key: `${TLS_DIR}/stranger-key.pem` },
    });
    const err = await stranger.exchange.connect().then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toBe(`NATS at ${nats.url} refused the client certificate (TLS alert: bad certificate)`);
    expect(stranger.exchange.isConnected()).toBe(false);
    // Two handshakes, no retry storm: the client's attempt and the Exchange's question.
    await eventually(async () => expect(nats.countLog(/TLS handshake error: .*certificate/)).toBe(2));
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "the binary: --nats-ca, --nats-cert and --nats-key join a TLS bus with a private CA; its gateway calls a service there",
  async () => {
    await using nats = await NatsServer.start(TLS_VERIFYING);
    const tls = { ca: `${TLS_DIR}/ca.pem`, cert: `${TLS_DIR}/client.pem`, key: `${TLS_DIR}/client-key.pem` };
    await using host = exchange({ servers: nats.url, tls });
    new Service("auth-echo", host.registry).exportMethod((s: string) => `echo ${s}`, "echo");
    await host.exchange.connect();
    const flags = ["--nats", nats.url, "--nats-ca", tls.ca, "--nats-cert", tls.cert, "--nats-key", tls.key, "--rpc", "/rpc"];
    await withCli(["--port", "0", ...flags], async (base) => {
      const call = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "echo", params: ["hi"] });
      // Until the binary has joined the bus and heard of the service, the gateway knows none.
      await eventually(async () => {
        const r = await fetch(`${base}/rpc/auth-echo`, { method: "POST", headers: { "Content-Type": "application/json" }, body: call });
        expect(await r.json()).toEqual({ jsonrpc: "2.0", id: 1, result: "echo hi" });
      }, 15_000);
    });
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a client certificate and no server listening: unreachable, not refused (only an alert is a refusal)",
  async () => {
    const nats = await NatsServer.start();
    const url = nats.url;
    await nats.stop(); // its port is now closed
    await using lone = exchange({
      servers: url,
      retry: false,
      tls: { ca: `${TLS_DIR}/ca.pem`, cert: `${TLS_DIR}/client.pem`, key: `${TLS_DIR}/client-key.pem` },
    });
    const err = await lone.exchange.connect().then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toStartWith(`NATS at ${url} is unreachable`);
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "the binary: --nats repeated for a cluster's nodes, credentials in the URL; a refusal is one line and exit 1",
  async () => {
    await using nats = await NatsServer.start(USERS);
    const url = `nats://svc:wrong@127.0.0.1:${nats.port}`;
    const r = await run([process.execPath, "src/cli.ts", "--port", "0", "--nats", url, "--nats", url], 20_000);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split("\n");
    expect(lines).toEqual([
      expect.stringContaining(
        `netsvc: NATS at nats://127.0.0.1:${nats.port}, nats://127.0.0.1:${nats.port} refused the credentials (user/pass)`,
      ),
    ]);
    expect(r.err).not.toContain("wrong");
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a password changed on the server while connected: one line saying the connection is closed for good",
  async () => {
    await using nats = await NatsServer.start(USERS);
    await using side = exchange({ servers: nats.url, user: "svc", pass: "s3cret" });
    await side.exchange.connect();
    nats.reload("authorization { user: svc, password: changed }");
    await eventually(async () => expect(side.log.some((m) => m.includes("closed the connection for good"))).toBe(true));
    expect(side.exchange.isConnected()).toBe(false);
    expect(side.log.filter((m) => m.includes("for good"))).toEqual([
      `NATS at ${nats.url} closed the connection for good (Authorization Violation): remote calls fail until this process restarts`,
    ]);
  },
  AUTH_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "accounts and a .creds file (JWT + NKey seed), as a path and in the binary; a user of another operator is refused once",
  async () => {
    const trusted = operatorAccount();
    await using nats = await NatsServer.start(trusted.config);
    const dir = mkdtempSync(join(tmpdir(), "netsvc-creds-"));
    await using _dir = { [Symbol.asyncDispose]: async () => rmSync(dir, { recursive: true, force: true }) };
    const good = join(dir, "svc.creds");
    writeFileSync(good, trusted.creds());
    await expectCallAcross({ servers: nats.url, creds: good });
    const stranger = join(dir, "stranger.creds");
    writeFileSync(stranger, operatorAccount().creds());
    await expectRefused(nats, { servers: nats.url, creds: stranger }, "creds file", /Authorization Violation/);
    const r = await run([process.execPath, "src/cli.ts", "--port", "0", "--nats", nats.url, "--nats-creds", stranger], 20_000);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`netsvc: NATS at ${nats.url} refused the credentials (creds file)`);
  },
  AUTH_TEST_TIMEOUT_MS,
);
