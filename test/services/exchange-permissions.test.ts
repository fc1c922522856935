/**
 * NATS permissions decide who may call (SPEC §10, issue 21 item 4): the bus is trusted to carry
 * a call's caller, so what limits callers is the server's `publish` allow-list over the call
 * subjects (`netsvc.call.>`). A real nats-server with three users — "worker" hosts services,
 * "front" may call them, "tool" may join the bus but not call — shows that a user without the
 * permission cannot call: its client gets a clear refusal at once (SERVICE_UNAVAILABLE: NATS
 * dropped the call, it did not run) and the service never runs. The same configuration is the
 * one docs/services.md shows.
 */
import { expect } from "bun:test";
import { Exchange, SERVICE_UNAVAILABLE, Service, ServiceRegistry } from "../../src/entry/services.ts";
import { untilServiceKnown } from "../helpers/bus-caller.ts";
import { failureOf } from "../helpers/failure.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";

/** Starting a nats-server and two exchanges is slow on a loaded machine. */
const PERMISSION_TEST_TIMEOUT_MS = 30_000;
/**
 * The refused call's own bound: far longer than a refusal takes, so that a call left to its
 * timeout (the behaviour before the refusal was read) fails the test's assertion on its code.
 */
const CALL_TIMEOUT_MS = 10_000;

/** The nats-server configuration of docs/services.md ("Who may call"), with test passwords. */
const PERMISSIONS_CONFIG = `
authorization {
  users = [
    { user: worker, password: w0rker, permissions: { publish: ["netsvc.>", "$SRV.>", "_INBOX.>"], subscribe: [">"] } }
    { user: front,  password: fr0nt,  permissions: { publish: ["netsvc.>"], subscribe: ["netsvc.>", "_INBOX.>"] } }
    { user: tool,   password: t0ol,   permissions: {
        publish: { allow: ["netsvc.>"], deny: ["netsvc.call.>"] },
        subscribe: ["netsvc.>", "_INBOX.>"] } }
  ]
}
`;

/** A quiet exchange on `url` as `user`, with its own registry. */
function member(url: string, user: string, pass: string) {
  const registry = new ServiceRegistry();
  registry.errorLog = () => {};
  const exchange = new Exchange({ servers: url, user, pass, registry, log: () => {}, discovery: user === "worker" });
  return { registry, exchange, [Symbol.asyncDispose]: () => exchange.close() };
}

peerTest(
  ["nats-server"],
  "a user whose publish permissions exclude the call subjects cannot call: refused at once, the service never runs",
  async () => {
    await using nats = await NatsServer.start(PERMISSIONS_CONFIG);
    await using worker = member(nats.url, "worker", "w0rker");
    let runs = 0;
    new Service("ledger", worker.registry).exportMethod((n: number) => {
      runs++;
      return n + 1;
    }, "bump");
    await worker.exchange.connect();

    await using front = member(nats.url, "front", "fr0nt");
    await using tool = member(nats.url, "tool", "t0ol");
    await front.exchange.connect();
    await tool.exchange.connect();
    await untilServiceKnown(front.registry, "ledger");
    await untilServiceKnown(tool.registry, "ledger");

    // Allowed: the front calls.
    expect(await front.registry.call("ledger", "bump", [1], { timeoutMs: CALL_TIMEOUT_MS })).toBe(2);
    expect(runs).toBe(1);

    // Refused: the tool's call is dropped by the server, and the tool is told so at once.
    const started = performance.now();
    const f = await failureOf(tool.registry.call("ledger", "bump", [1], { timeoutMs: CALL_TIMEOUT_MS }));
    expect(f.error).toBe(SERVICE_UNAVAILABLE);
    expect(f.description).toContain("permission");
    expect(f.description).toContain("netsvc.call.ledger");
    expect(performance.now() - started).toBeLessThan(CALL_TIMEOUT_MS / 2);

    // The service never ran for it: the front's next call is the second run, and the server's
    // log names the refused publish.
    expect(await front.registry.call("ledger", "bump", [2], { timeoutMs: CALL_TIMEOUT_MS })).toBe(3);
    expect(runs).toBe(2);
    expect(nats.countLog(/Publish Violation|Permissions Violation for Publish to "netsvc\.call\.ledger"/)).toBeGreaterThan(0);
  },
  PERMISSION_TEST_TIMEOUT_MS,
);
