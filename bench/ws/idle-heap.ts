/**
 * What one idle netsvc WebSocket holds (issue 23's "≤ 4 KB per idle WebSocket"), beyond the RSS
 * figure of run.ts: netsvc-ws.ts with `--heap-stats` on the server CPU, a full GC and JSC's heap
 * statistics before and with N idle sockets held by the load client (warmed with 100 first),
 * printed per socket: JS heap bytes, RSS bytes (after the GC), and the object types that grew.
 *
 *   bun bench/ws/idle-heap.ts [--idle 2000]
 *
 * Run it under `flock /tmp/netsvc-heavy.lock` like the benchmark.
 */
import { join, resolve } from "node:path";
import { numberFlag, pin, SERVER_CPU, waitForPort } from "../server/measure.ts";
import { holdIdle } from "./loads.ts";

interface HeapLine {
  heapSize: number;
  rss: number;
  objects: Record<string, number>;
}

const n = numberFlag(process.argv, "--idle", 2000);
const port = 20000 + Math.floor(Math.random() * 10000);
const server = Bun.spawn(
  pin(SERVER_CPU, [process.execPath, join(resolve(import.meta.dir), "netsvc-ws.ts"), String(port), "--heap-stats"]),
  {
    stdout: "ignore",
    stderr: "pipe",
  },
);

async function* stderrLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of server.stderr) {
    text += decoder.decode(chunk, { stream: true });
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      yield text.slice(0, nl);
      text = text.slice(nl + 1);
    }
  }
}
const lines = stderrLines();

/** A full GC in the server, then its heap statistics. */
async function snapshot(): Promise<HeapLine> {
  server.kill("SIGUSR2");
  for (;;) {
    const line = await lines.next();
    if (line.done) throw new Error("the server ended");
    if (line.value.startsWith("{")) return JSON.parse(line.value) as HeapLine;
  }
}

try {
  await waitForPort(port);
  await holdIdle(port, 100, async () => {});
  const before = await snapshot();
  let during: HeapLine | null = null;
  const held = await holdIdle(port, n, async () => {
    during = await snapshot();
  });
  const d = during as HeapLine | null;
  if (d === null) throw new Error("no snapshot");
  console.log(
    `${held} idle WebSockets held; per socket after a full GC: JS heap ${Math.round((d.heapSize - before.heapSize) / held)} B, RSS ${Math.round((d.rss - before.rss) / held)} B`,
  );
  console.log("\n| objects per socket | type |\n|---:|---|");
  const grown = Object.entries(d.objects)
    .map(([type, count]) => [type, (count - (before.objects[type] ?? 0)) / held] as const)
    .filter(([, per]) => Math.abs(per) >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  for (const [type, per] of grown) console.log(`| ${per.toFixed(2)} | ${type} |`);
} finally {
  server.kill("SIGTERM");
  await server.exited;
}
