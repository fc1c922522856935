/**
 * The NATS deployment docs/tls.md shows ("A NATS deployment with credentials"), run as written:
 * a nats-server that lets in only the user `svc`, a process hosting a service on it with the
 * Exchange's user/pass options, and the binary as the HTTP front of the bus
 * (`--rpc /rpc --nats nats://svc:s3cret@…`): a JSON-RPC call over HTTP reaches the service
 * across the authenticated bus. The other credentials (token, NKey, .creds, TLS with a client
 * certificate) are tested one by one in exchange-auth.test.ts.
 */
import { expect } from "bun:test";
import { Exchange, RemoteService, Service, ServiceRegistry } from "../../src/entry/services.ts";
import { eventually } from "../helpers/eventually.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** The nats-server configuration of docs/tls.md, verbatim. */
const DEPLOYMENT_CONFIG = `authorization {
  users = [
    { user: svc, password: s3cret }
  ]
}`;

peerTest(
  ["nats-server"],
  "the binary joins a bus that wants a user and password (credentials in --nats) and fronts its services",
  async () => {
    await using nats = await NatsServer.start(DEPLOYMENT_CONFIG);
    const registry = new ServiceRegistry();
    new Service("orders", registry).exportMethod((id: number) => `order ${id}`, "get");
    const host = new Exchange({ servers: nats.url, user: "svc", pass: "s3cret", registry });
    await host.connect();
    const url = `nats://svc:s3cret@127.0.0.1:${nats.port}`;
    const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", "--port", "0", "--rpc", "/rpc", "--nats", url]);
    try {
      const base = await out.url();
      const orders = new RemoteService(`${base}rpc/orders`);
      expect(await eventually(() => orders.call("get", 7))).toBe("order 7");
    } finally {
      child.kill("SIGKILL");
      await host.close();
    }
  },
  30_000,
);
