/**
 * A real nats-server with JetStream on (for NATS KV: KvSessionStore), its store in a temporary
 * directory removed with the server when the test's `await using` scope ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatsServer } from "./nats-server.ts";

/** Starts nats-server with JetStream (`jetstream { store_dir }` in a fresh temporary directory). */
export async function startJetStream(): Promise<{ nats: NatsServer } & AsyncDisposable> {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-js-"));
  const nats = await NatsServer.start(`jetstream {\n  store_dir: ${JSON.stringify(dir)}\n}\n`);
  return {
    nats,
    async [Symbol.asyncDispose]() {
      await nats[Symbol.asyncDispose]();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
