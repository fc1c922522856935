/**
 * The server side of the event-stream fan-out benchmark (run.ts): `bun bench/events/server.ts
 * netsvc|bun`. Serves `GET /events` as a text/event-stream whose events are the reports on
 * `bench.tick`, and reads commands on stdin:
 * - `publish <count>`: publishes `count` reports of a 32-byte value (one turn each);
 * - `cpu`: prints `cpu <µs>`, this process's user+system CPU time so far;
 * - `exit`: exits (a profile given by --cpu-prof is written then).
 * Prints its URL, then `subscribers <n>` whenever the count of open streams reaches a multiple of 100.
 *
 *   netsvc — HttpDaemon, a servlet's eventStream().subscribe("bench.tick"), services.publish();
 *   bun    — Bun.serve with a ReadableStream per client, written the way its docs show SSE: one
 *            encoded event enqueued to every open stream's controller (the peer: no framework).
 */
import { HttpDaemon, Router } from "../../src/index.ts";
import { services } from "../../src/entry/services.ts";

const mode = process.argv[2];
/** The report's value: its JSON is 32 bytes. */
const VALUE = { n: 0, pad: "x".repeat(18) };

let publish: (n: number) => void;
let open = 0;
const noteOpen = () => {
  open++;
  if (open % 100 === 0) console.log(`subscribers ${open}`);
};

if (mode === "netsvc") {
  const daemon = new HttpDaemon(0, { accessLog: null });
  daemon.attach(
    "/",
    new Router().get("/events", (s) => {
      const events = s.eventStream({ heartbeatMs: 0 });
      events.subscribe("bench.tick");
      noteOpen();
    }),
  );
  daemon.start();
  publish = (n) => {
    for (let i = 0; i < n; i++) {
      VALUE.n = i;
      services.publish("bench.tick", VALUE);
    }
  };
  console.log(`http://127.0.0.1:${daemon.port()}/`);
} else if (mode === "bun") {
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch(req) {
      if (new URL(req.url).pathname !== "/events") return new Response("not found", { status: 404 });
      let mine: ReadableStreamDefaultController<Uint8Array> | null = null;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          mine = c;
          c.enqueue(encoder.encode(":\n")); // Bun.serve sends the head with the first piece of the body
          streams.add(c);
          noteOpen();
        },
        cancel() {
          if (mine) streams.delete(mine);
        },
      });
      return new Response(body, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store" } });
    },
  });
  publish = (n) => {
    for (let i = 0; i < n; i++) {
      VALUE.n = i;
      const bytes = encoder.encode(`event: bench.tick\ndata: ${JSON.stringify(VALUE)}\n\n`);
      for (const c of streams) c.enqueue(bytes);
    }
  };
  console.log(`http://127.0.0.1:${server.port}/`);
} else {
  throw new Error("usage: server.ts netsvc|bun");
}

for await (const line of console) {
  const [cmd, arg] = line.split(" ");
  if (cmd === "publish") {
    // one report per turn: as a service publishing as things happen, not one synchronous burst
    const count = Number(arg);
    for (let i = 0; i < count; i++) {
      publish(1);
      await new Promise<void>((r) => setImmediate(r));
    }
    console.log("published");
  } else if (cmd === "exit") {
    process.exit(0);
  } else if (cmd === "cpu") {
    const u = process.cpuUsage();
    console.log(`cpu ${u.user + u.system}`);
  }
}
