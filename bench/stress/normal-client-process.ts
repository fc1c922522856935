/**
 * The normal client in its own process, so the attack's work in the harness does not show up as
 * the normal client's latency: `bun normal-client-process.ts PORT INTERVAL_MS TIMEOUT_MS [MODE [tls]]` prints
 * "ready" once its first request was answered (or failed), and on SIGTERM prints its
 * NormalSummary as one JSON line and exits.
 */
import { NormalClient, type NormalMode } from "./normal-client.ts";

const [port, interval, timeout] = process.argv.slice(2, 5).map(Number);
const mode = (process.argv[5] ?? "keep-alive") as NormalMode;
const client = new NormalClient(port!, interval!, timeout!, mode, process.argv[6] === "tls");
client.start();
await client.firstDone;
console.log("ready");
process.on("SIGTERM", async () => {
  const summary = await client.stop();
  console.log(JSON.stringify(summary));
  process.exit(0);
});
