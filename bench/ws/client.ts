/**
 * The WebSocket benchmark's load client (issue 23): Bun over raw TCP (connection.ts, frames by
 * hand), one process pinned to the load CPU by run.ts. It sets its connections up, says `ready`,
 * waits for `go` on stdin (run.ts reads the server's CPU in between, so the set-up is not
 * counted), runs the load, says `done` with its figures, and waits for `close` before it lets the
 * connections go. Each line it prints is one JSON object (`ClientReport`).
 *
 *   bun client.ts echo PORT CONNECTIONS MESSAGES          one 32-byte message in flight per connection
 *   bun client.ts fanout PORT SUBSCRIBERS PUBLICATIONS BURST SECONDS [PUBLISH-PORT]
 *   bun client.ts idle PORT CONNECTIONS
 *
 * - echo: every connection sends a message, waits for its echo, sends the next, until MESSAGES in
 *   all were echoed; an echo that is not the message sent is an error.
 * - fanout: SUBSCRIBERS sockets on /fanout (each checks it is subscribed), one publisher on
 *   /publish sending PUBLICATIONS numbered messages in bursts of BURST (one write each: a
 *   publisher with reports to tell), the next burst once the last is delivered to every
 *   subscriber, until PUBLICATIONS were published or no burst is begun after SECONDS; every
 *   subscriber must see every number once, in order (else an error). With PUBLISH-PORT the
 *   publisher's socket goes to that port instead: another process (run.ts's bus fan-out) whose
 *   `/publish` puts the messages on the bus, so the bursts are paced by the client as before.
 * - idle: CONNECTIONS sockets on /idle, opened and held (pings answered); `done` says how many
 *   are still open.
 *
 * Errors are counted, never thrown; a run that stops making progress for STALL_MS ends with
 * the undelivered messages counted as errors. The client's CPU share (its CPU time ÷ wall time
 * over the load) is in `done`: near 1, it was the bottleneck.
 */
import { ClientWs, type ConnectionEvents } from "./connection.ts";
import { OP_TEXT } from "./frames.ts";
import { MESSAGE_BYTES, PATHS, readSequence, SUBSCRIBED, writeMessage } from "./protocol.ts";

/** One line of the client's output. */
export interface ClientReport {
  phase: "ready" | "done";
  /** Connections open (ready: of those asked for; done: still open). */
  open: number;
  /** Messages delivered and checked (echoes, or deliveries to subscribers). */
  messages: number;
  /** Wall time of the load (s). */
  seconds: number;
  /** Missing, wrong or out-of-order messages, and connections that failed. */
  errors: number;
  /** The client's CPU time ÷ wall time over the load. */
  cpuShare: number;
  /** The first failure's description, if any. */
  firstError?: string;
}

/** Handshakes in flight at once while connecting (the listen backlog is never flooded). */
const CONNECT_BATCH = 100;
/** A load that makes no progress for this long (ms) ends, its undelivered messages counted as errors. */
const STALL_MS = 10_000;

const [mode, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg);
const nums = rest.map(Number);
const stdin = console[Symbol.asyncIterator]();

let errors = 0;
let firstError: string | undefined;
const noteError = (why: string) => {
  errors++;
  firstError ??= why;
};

function say(r: ClientReport): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

async function waitFor(word: string): Promise<void> {
  for (;;) {
    const line = await stdin.next();
    if (line.done) process.exit(0); // run.ts went away
    if (String(line.value).trim() === word) return;
  }
}

/** Opens `n` connections to `path`, CONNECT_BATCH at a time; the ones that failed are counted as errors. */
async function openAll(n: number, path: string, events: ConnectionEvents, first = 0, to = port): Promise<ClientWs[]> {
  const all: ClientWs[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, (_, j) => new ClientWs(first + i + j, events));
    const ok = await Promise.all(batch.map((c) => c.connect(to, path)));
    for (const [j, c] of batch.entries()) {
      if (ok[j]) all.push(c);
      else noteError(`connection ${c.id} to ${path} did not open`);
    }
  }
  return all;
}

/** Runs `start` after `go`, resolves when `finished` does or progress stalls; says `done`. */
async function measure(
  start: () => void,
  finished: Promise<void>,
  progress: () => number,
  missing: () => number,
  open: () => number,
): Promise<void> {
  await waitFor("go");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  start();
  let last = -1;
  let stalled = false;
  const finishedEarly = Promise.withResolvers<void>();
  const watch = setInterval(() => {
    const p = progress();
    if (p === last) {
      stalled = true;
      finishedEarly.resolve();
    }
    last = p;
  }, STALL_MS);
  await Promise.race([finished, finishedEarly.promise]);
  clearInterval(watch);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (stalled) noteError(`stalled: ${missing()} messages never arrived`);
  errors += stalled ? missing() - 1 : 0;
  say({
    phase: "done",
    open: open(),
    messages: progress(),
    seconds,
    errors,
    cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
    ...(firstError ? { firstError } : {}),
  });
}

async function echo(connections: number, messages: number): Promise<ClientWs[]> {
  const perConnection = Math.ceil(messages / connections);
  const total = perConnection * connections;
  const payload = new Uint8Array(MESSAGE_BYTES);
  const sent = new Int32Array(connections);
  let echoed = 0;
  let failedOpen = 0;
  const finished = Promise.withResolvers<void>();
  const sendNext = (c: ClientWs) => {
    writeMessage(payload, 0, sent[c.id]!);
    c.send(OP_TEXT, payload, 0, MESSAGE_BYTES);
  };
  const events: ConnectionEvents = {
    message(c, _opcode, bytes, from, to) {
      const n = sent[c.id]!;
      if (to - from !== MESSAGE_BYTES || readSequence(bytes, from, to) !== n) noteError(`connection ${c.id}: echo of message ${n} differs`);
      echoed++;
      if (n + 1 < perConnection) {
        sent[c.id] = n + 1;
        sendNext(c);
      } else if (echoed === total) finished.resolve();
    },
    failed(c, why) {
      failedOpen++;
      noteError(`connection ${c.id}: ${why}`);
    },
  };
  const conns = await openAll(connections, PATHS.echo, events);
  say({ phase: "ready", open: conns.length, messages: 0, seconds: 0, errors, cpuShare: 0 });
  await measure(
    () => {
      for (const c of conns) sendNext(c);
      if (conns.length === 0) finished.resolve();
    },
    finished.promise,
    () => echoed,
    () => total - echoed,
    () => conns.length - failedOpen,
  );
  return conns;
}

async function fanout(
  subscribers: number,
  publications: number,
  burstSize: number,
  seconds: number,
  publishPort: number,
): Promise<ClientWs[]> {
  const expected = new Int32Array(subscribers);
  const subscribed = new Uint8Array(subscribers);
  const deliveredTo = new Int32Array(publications);
  let ready = 0;
  let delivered = 0;
  let complete = 0;
  let published = 0;
  let failed = 0;
  const allSubscribed = Promise.withResolvers<void>();
  const finished = Promise.withResolvers<void>();
  let publisher: ClientWs | null = null;
  /** No burst is begun after this (performance.now()); set at `go`. */
  let stopAt = Number.POSITIVE_INFINITY;
  const burst = new Uint8Array(burstSize * MESSAGE_BYTES);
  const publishMore = () => {
    if (publisher === null || published === publications || complete < published) return;
    if (performance.now() >= stopAt) return finished.resolve(); // every burst begun was delivered
    const count = Math.min(burstSize, publications - published);
    for (let i = 0; i < count; i++) writeMessage(burst, i * MESSAGE_BYTES, published++);
    publisher.sendTexts(burst, count, MESSAGE_BYTES);
  };
  const okByte = SUBSCRIBED.charCodeAt(0);
  const events: ConnectionEvents = {
    message(c, _opcode, bytes, from, to) {
      const i = c.id;
      if (i >= subscribers) return noteError("the publisher got a message");
      if (subscribed[i] === 0) {
        if (to - from === SUBSCRIBED.length && bytes[from] === okByte) {
          subscribed[i] = 1;
          if (++ready === subscribers) allSubscribed.resolve();
        } else noteError(`subscriber ${i}: a message before its subscription was confirmed`);
        return;
      }
      const seq = readSequence(bytes, from, to);
      if (seq !== expected[i]) {
        noteError(`subscriber ${i}: message ${seq} where ${expected[i]} was due`);
        if (seq < 0 || seq >= publications) return;
      }
      expected[i] = seq + 1;
      delivered++;
      if (++deliveredTo[seq]! === subscribers) {
        complete++;
        if (complete === publications) finished.resolve();
        else publishMore();
      }
    },
    failed(c, why) {
      failed++;
      noteError(`${c.id < subscribers ? `subscriber ${c.id}` : "publisher"}: ${why}`);
    },
  };
  const subs = await openAll(subscribers, PATHS.fanout, events);
  const ask = new TextEncoder().encode("subscribed?");
  for (const c of subs) c.send(OP_TEXT, ask, 0, ask.length);
  if (subs.length === subscribers) await allSubscribed.promise;
  const pub = await openAll(1, PATHS.publish, events, subscribers, publishPort);
  publisher = pub[0] ?? null;
  const conns = [...subs, ...pub];
  say({ phase: "ready", open: conns.length, messages: 0, seconds: 0, errors, cpuShare: 0 });
  await measure(
    () => {
      stopAt = performance.now() + seconds * 1000;
      publishMore();
      if (publisher === null || subs.length < subscribers) finished.resolve();
    },
    finished.promise,
    () => delivered,
    () => published * subscribers - delivered,
    () => conns.length - failed,
  );
  return conns;
}

async function idle(connections: number): Promise<ClientWs[]> {
  let failed = 0;
  const events: ConnectionEvents = {
    message: () => noteError("a message on an idle socket"),
    failed(c, why) {
      failed++;
      noteError(`connection ${c.id}: ${why}`);
    },
  };
  const conns = await openAll(connections, PATHS.idle, events);
  say({ phase: "ready", open: conns.length, messages: 0, seconds: 0, errors, cpuShare: 0 });
  await measure(
    () => {},
    Promise.resolve(),
    () => 0,
    () => 0,
    () => conns.length - failed,
  );
  return conns;
}

const conns =
  mode === "echo"
    ? await echo(nums[0]!, nums[1]!)
    : mode === "fanout"
      ? await fanout(nums[0]!, nums[1]!, nums[2]!, nums[3]!, nums[4] ?? port)
      : mode === "idle"
        ? await idle(nums[0]!)
        : (() => {
            console.error(`client.ts: unknown mode ${mode}`);
            process.exit(2);
          })();
await waitFor("close");
for (const c of conns) c.end();
process.exit(0);
