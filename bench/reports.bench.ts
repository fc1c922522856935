/**
 * Reports in one process (issue 23 item 2), beside node:events' EventEmitter (Bun's, the
 * publish/subscribe every JS program has) in the same process, alternating, medians of rounds:
 * - fan-out: one subject, 1,000 subscribers: ns per delivered callback (netsvc also encodes the
 *   value's JSON once per publish, for the subscribers that send it on; EventEmitter does not);
 * - nobody listening: ns per publish with no subscriber (netsvc: the subject checked, nothing
 *   encoded);
 * - many patterns: 10,000 distinct subscribed subjects, a publish matching one: netsvc's trie
 *   beside a scan testing every pattern (what the trie avoids), ns per publish.
 * Each function returns a checksum so nothing is optimised away.
 *
 *   bun bench/reports.bench.ts [--rounds N]
 */
import { EventEmitter } from "node:events";
import { ServiceRegistry } from "../src/services/registry.ts";

const ROUNDS = Number(process.argv[process.argv.indexOf("--rounds") + 1] ?? 0) || 7;
const SUBSCRIBERS = 1000;
const PATTERNS = 10_000;
const VALUE = { n: 1, pad: "x".repeat(18) };

let sink = 0;

/** ns per unit of `fn()` run `times` times, `units` units each. */
function time(fn: () => number, times: number, units: number): number {
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < times; i++) sink += fn();
  return (Bun.nanoseconds() - t0) / (times * units);
}

// fan-out
const fanRegistry = new ServiceRegistry();
const emitter = new EventEmitter();
emitter.setMaxListeners(0);
let hits = 0;
for (let i = 0; i < SUBSCRIBERS; i++) {
  fanRegistry.subscribeReports("rooms.lobby", () => {
    hits++;
  });
  emitter.on("rooms.lobby", () => {
    hits++;
  });
}
const fanNetsvc = () => {
  fanRegistry.publish("rooms.lobby", VALUE);
  return hits;
};
const fanEmitter = () => {
  emitter.emit("rooms.lobby", VALUE);
  return hits;
};

// nobody listening
const quietRegistry = new ServiceRegistry();
const quietEmitter = new EventEmitter();
const quietNetsvc = () => {
  quietRegistry.publish("rooms.lobby", VALUE);
  return 1;
};
const quietPeer = () => (quietEmitter.emit("rooms.lobby", VALUE) ? 1 : 0);

// many patterns: the trie, and a scan of every pattern by token
const manyRegistry = new ServiceRegistry();
const patterns: string[][] = [];
for (let i = 0; i < PATTERNS; i++) {
  const p = i % 2 === 0 ? `user.${i}.updates` : `user.${i}.*`;
  manyRegistry.subscribeReports(p, () => {
    hits++;
  });
  patterns.push(p.split("."));
}
const scanMatch = (subject: string): number => {
  const s = subject.split(".");
  let n = 0;
  for (const p of patterns) {
    let ok = p.length === s.length;
    for (let t = 0; ok && t < p.length; t++) ok = p[t] === "*" || p[t] === s[t];
    if (ok) n++;
  }
  return n;
};
const manyNetsvc = () => {
  manyRegistry.publish("user.5000.updates", VALUE);
  return hits;
};
const manyScan = () => scanMatch("user.5000.updates");

const cases: { name: string; unit: string; ours: () => number; peer: () => number; peerName: string; times: number; units: number }[] = [
  {
    name: "fan-out to 1,000",
    unit: "ns/delivery",
    ours: fanNetsvc,
    peer: fanEmitter,
    peerName: "EventEmitter",
    times: 2000,
    units: SUBSCRIBERS,
  },
  {
    name: "nobody listening",
    unit: "ns/publish",
    ours: quietNetsvc,
    peer: quietPeer,
    peerName: "EventEmitter",
    times: 1_000_000,
    units: 1,
  },
  {
    name: "10,000 patterns, one match",
    unit: "ns/publish",
    ours: manyNetsvc,
    peer: manyScan,
    peerName: "scan of every pattern",
    times: 2000,
    units: 1,
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`reports in one process, ${ROUNDS} rounds alternating, medians (Bun ${Bun.version})`);
console.log("| case | netsvc | peer | peer / netsvc |");
console.log("| --- | ---: | ---: | ---: |");
for (const c of cases) {
  time(c.ours, c.times / 10, c.units); // warm up both
  time(c.peer, c.times / 10, c.units);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      ours.push(time(c.ours, c.times, c.units));
      peer.push(time(c.peer, c.times, c.units));
    } else {
      peer.push(time(c.peer, c.times, c.units));
      ours.push(time(c.ours, c.times, c.units));
    }
  }
  const o = median(ours);
  const p = median(peer);
  console.log(`| ${c.name} | ${o.toFixed(1)} ${c.unit} | ${p.toFixed(1)} ${c.unit} (${c.peerName}) | ${(p / o).toFixed(2)}x |`);
}
if (sink === 42) console.log(""); // keeps the checksums alive
