/**
 * The peer of bench/parser/ws-frames.ts: the `ws` package's Receiver (the frame and message layer
 * of Node's most used WebSocket server) reading the same chunk of client frames, under Node, in a
 * process of its own. Text messages are turned into strings (what a server application does with
 * ws's Buffer), binary ones are delivered as ws delivers them (a Buffer, copied when fragmented).
 * Prints one JSON line like ws-worker.ts.
 *
 *   node bench/parser/ws-receiver-peer.mjs <wsPackageDir> <caseFile> <count> <payloadLength> [warmupMs] [steadyMs]
 *
 * `ws` is not a dependency of netsvc: install it anywhere (`npm install --prefix /tmp/ws-peer ws`)
 * and pass its directory. Times are process CPU time (Node 20 has no per-thread clock); the
 * driver measures ours the same way.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [wsDir, caseFile, countArg, lengthArg, warmupArg, steadyArg] = process.argv.slice(2);
const require = createRequire(join(wsDir, "package.json"));
const Receiver = require(join(wsDir, "lib", "receiver.js"));
const buf = readFileSync(caseFile);
const count = Number(countArg);
const length = Number(lengthArg);
const warmupNs = Number(warmupArg ?? 1000) * 1e6;
const steadyNs = Number(steadyArg ?? 2000) * 1e6;

let delivered = 0;
let bytes = 0;
const receiver = new Receiver({ isServer: true, maxPayload: 2 * 1024 * 1024, binaryType: "nodebuffer" });
receiver.on("message", (data, isBinary) => {
  bytes += isBinary ? data.length : data.toString().length;
  delivered++;
});
receiver.on("error", (e) => {
  throw e;
});

const read = () => {
  const before = delivered;
  receiver.write(buf);
  return delivered - before;
};
const cpuNs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
};
if (read() !== count) throw new Error(`ws saw ${delivered} messages, not ${count}`);
const batch = Math.max(1, Math.round(2048 / count / Math.max(1, length / 256)));
const loop = (ns) => {
  let messages = 0;
  const t0 = cpuNs();
  let t = t0;
  while (t - t0 < ns) {
    for (let i = 0; i < batch; i++) messages += read();
    t = cpuNs();
  }
  return [messages, t - t0];
};
loop(warmupNs);
const [messages, ns] = loop(steadyNs);
const seconds = ns / 1e9;
console.log(
  JSON.stringify({
    impl: "ws",
    messages,
    seconds,
    msgPerSec: messages / seconds,
    bytesPerSec: (messages * length) / seconds,
    check: bytes > 0 ? 1 : 0,
  }),
);
