/**
 * The normal client in its own process, so the attack's work in the harness does not show up as
 * the normal client's latency: `bun normal-client-process.ts PORT INTERVAL_MS TIMEOUT_MS` prints
 * "ready" once its first request was answered (or failed), and on SIGTERM prints its
 * NormalSummary as one JSON line and exits.
 */
import { NormalClient } from "./normal-client.ts";

const [port, interval, timeout] = process.argv.slice(2).map(Number);
const client = new NormalClient(port!, interval!, timeout!);
client.start();
await client.firstDone;
console.log("ready");
process.on("SIGTERM", async () => {
  const summary = await client.stop();
  console.log(JSON.stringify(summary));
  process.exit(0);
});
