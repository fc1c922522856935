/**
 * Event streams (SPEC §12, issue 23 item 3): the wire format as a table (multi-line data,
 * id/event/retry, CR/LF refused), then over real sockets: the head, Last-Event-ID, the heartbeat,
 * backpressure (send() false, drained()), reports as events, a client that leaves releasing its
 * subscription at once, a slow subscriber dropped with what it could not take, HEAD, and a
 * Router handler. The framings with real clients: event-stream-clients.test.ts.
 */
import { expect, test } from "bun:test";
import { HttpError, HttpServlet, Router } from "../../src/index.ts";
import { ResponseRecorder } from "../../src/entry/testing.ts";
import { ServiceRegistry, services } from "../../src/entry/services.ts";
import { CANCEL } from "../../src/parser/h2/errors.ts";
import { FRAME_HEADERS, FRAME_RST_STREAM } from "../../src/parser/h2/frame.ts";
import { eventually } from "../helpers/eventually.ts";
import { H2Client } from "../helpers/h2-client.ts";
import {
  type EventStream,
  type EventStreamOptions,
  eventStreamStats,
  formatEvent,
  type ServerSentEvent,
} from "../../src/servers/event-stream.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

/** [event, wire form] — WHATWG HTML §9.2.5: one field per line, `data:` per line of data, a blank line ends it. */
const FORMAT: [ServerSentEvent, string][] = [
  [{ data: "hi" }, "data: hi\n\n"],
  [{ data: "" }, "data: \n\n"],
  [{ data: "a\nb" }, "data: a\ndata: b\n\n"],
  [{ data: "a\r\nb\rc\nd" }, "data: a\ndata: b\ndata: c\ndata: d\n\n"],
  [{ data: "trailing\n" }, "data: trailing\ndata: \n\n"],
  [{ data: " leading space" }, "data:  leading space\n\n"], // the client strips one space after the colon
  [{ data: { n: 1, s: "x\ny" } }, 'data: {"n":1,"s":"x\\ny"}\n\n'], // JSON escapes its line breaks
  [{ data: [1, 2] }, "data: [1,2]\n\n"],
  [{ data: null }, "data: null\n\n"],
  [{ data: 7 }, "data: 7\n\n"],
  [{ event: "tick", data: "1" }, "event: tick\ndata: 1\n\n"],
  [{ id: "42", data: "x" }, "id: 42\ndata: x\n\n"],
  [{ id: "", data: "x" }, "id: \ndata: x\n\n"], // an empty id resets the browser's last event id
  [{ retry: 3000, data: "x" }, "retry: 3000\ndata: x\n\n"],
  [{ retry: 0, data: "x" }, "retry: 0\ndata: x\n\n"],
  [{ event: "e", id: "7", retry: 10, data: "d" }, "event: e\nid: 7\nretry: 10\ndata: d\n\n"],
  [{ event: "é", data: "ü" }, "event: é\ndata: ü\n\n"],
];

test.each(FORMAT)("%j is written %j", (event, wire) => {
  expect(formatEvent(event)).toBe(wire);
});

/** Events send() refuses with a TypeError: they would break the framing. */
const REFUSED: [string, unknown][] = [
  ["event with LF", { event: "a\nb", data: "x" }],
  ["event with CR", { event: "a\rb", data: "x" }],
  ["id with LF", { id: "1\n2", data: "x" }],
  ["id with CR", { id: "1\r", data: "x" }],
  ["id with NUL", { id: "1\u00002", data: "x" }],
  ["retry negative", { retry: -1, data: "x" }],
  ["retry fractional", { retry: 1.5, data: "x" }],
  ["retry a string", { retry: "10", data: "x" }],
  ["event a number", { event: 1, data: "x" }],
  ["no data", {}],
  ["data undefined", { data: undefined }],
  ["data a function", { data: () => 1 }],
  ["not an object", "data: x"],
];

test.each(REFUSED)("%s: TypeError", (_name, event) => {
  expect(() => formatEvent(event as ServerSentEvent)).toThrow(TypeError);
});

/** A daemon whose "/" answers with an event stream made by `start` (given the stream and its servlet). */
function streamDaemon(start: (events: EventStream, servlet: HttpServlet) => void, options?: EventStreamOptions) {
  const router = new Router().get("/", (s) => start(s.eventStream(options), s));
  return startDaemon({ "/": router });
}

/** The response head and the decoded body so far of a chunked response in `text`. */
function split(text: string): { head: string; body: string } {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return { head: text, body: "" };
  let rest = text.slice(end + 4);
  let body = "";
  for (;;) {
    const line = rest.indexOf("\r\n");
    if (line < 0) break;
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (Number.isNaN(size) || rest.length < line + 2 + size + 2) break;
    body += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
    if (size === 0) break;
  }
  return { head: text.slice(0, end), body };
}

/** Lets the event loop run the sockets once (what they can take now is taken): a turn, not a timed wait. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const GET = (extra = "") => `GET / HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

test("HTTP/1.1: 200 text/event-stream, no-store, chunked, the head at once; events as sent; close() ends it and the connection persists", async () => {
  let stream: EventStream | null = null;
  await using d = streamDaemon((events) => {
    stream = events;
  });
  using c = await RawClient.connect(d.port);
  c.send(GET());
  await c.until(() => c.text().includes("\r\n\r\n"), 5000, "the head");
  const { head } = split(c.text());
  expect(head).toStartWith("HTTP/1.1 200 OK\r\n");
  expect(head).toContain("\r\nContent-Type: text/event-stream\r\n");
  expect(head).toContain("\r\nCache-Control: no-store\r\n");
  expect(head).toContain("\r\nTransfer-Encoding: chunked\r\n");
  expect(head).not.toContain("Content-Length");
  expect(stream!.lastEventId).toBeNull();
  expect(stream!.send({ event: "tick", id: "1", data: { n: 1 } })).toBe(true);
  expect(stream!.send({ data: "two\nlines" })).toBe(true);
  await c.until(() => split(c.text()).body.includes("lines"), 5000, "two events");
  expect(split(c.text()).body).toBe('event: tick\nid: 1\ndata: {"n":1}\n\ndata: two\ndata: lines\n\n');
  stream!.close();
  stream!.close();
  expect(stream!.closed).toBe(true);
  expect(stream!.send({ data: "late" })).toBe(false);
  await c.until(() => c.text().endsWith("0\r\n\r\n"), 5000, "the last chunk");
  // the connection persists: a second request on it is answered
  c.send(GET());
  await c.until(() => c.text().split("HTTP/1.1 200").length === 3, 5000, "a second response");
  expect(c.closed).toBe(false);
  expect(d.errors).toEqual([]);
});

test("Last-Event-ID is the stream's lastEventId", async () => {
  const { promise, resolve } = Promise.withResolvers<string | null>();
  await using d = streamDaemon((events) => {
    resolve(events.lastEventId);
    events.close();
  });
  using c = await RawClient.connect(d.port);
  c.send(GET("Last-Event-ID: 41\r\n"));
  expect(await promise).toBe("41");
});

test("a heartbeat comment when idle, from one sweep; none while events flow; the sweep stops with the last stream", async () => {
  let stream: EventStream | null = null;
  await using d = streamDaemon(
    (events) => {
      stream = events;
    },
    { heartbeatMs: 30 },
  );
  using c = await RawClient.connect(d.port);
  c.send(GET());
  await c.until(() => split(c.text()).body.includes(": \n\n: \n\n"), 5000, "two heartbeats");
  expect(split(c.text()).body).toMatch(/^(: \n\n)+$/);
  const before = eventStreamStats().heartbeats;
  expect(before).toBeGreaterThanOrEqual(2);
  stream!.close();
  const after = eventStreamStats().heartbeats;
  await c.until(() => c.text().endsWith("0\r\n\r\n"), 5000, "the end");
  // no timer left: a closed stream gets no more heartbeats (3 periods later)
  await c.until(() => false, 100).catch(() => {});
  expect(eventStreamStats().heartbeats).toBe(after);
});

test("backpressure: send() is false once the client stops reading, drained() resolves when it reads again", async () => {
  let stream: EventStream | null = null;
  await using d = streamDaemon(
    (events) => {
      stream = events;
    },
    { heartbeatMs: 0 },
  );
  using c = await RawClient.connect(d.port);
  c.send(GET());
  await c.until(() => c.text().includes("\r\n\r\n"), 5000, "the head");
  c.pause();
  const piece = "x".repeat(16 * 1024);
  let sent = 0;
  while (stream!.send({ data: piece })) {
    sent++;
    if (sent > 10_000) throw new Error("never congested");
    if (sent % 64 === 0) await yieldToIo();
  }
  let drained = false;
  const waiting = stream!.drained().then(() => {
    drained = true;
  });
  await Promise.resolve();
  expect(drained).toBe(false);
  c.resume();
  await waiting;
  expect(drained).toBe(true);
  stream!.close();
});

test("subscribe(): reports become events (event: the subject, data: the value's JSON); the last event's data has its line breaks split", async () => {
  const r = new ServiceRegistry();
  await using d = streamDaemon(
    (events) => {
      events.subscribe("rooms.*");
    },
    { reports: r },
  );
  using c = await RawClient.connect(d.port);
  c.send(GET());
  await c.until(() => r.reports.patterns().length === 1, 5000, "the subscription");
  r.publish("rooms.lobby", { text: "hi", at: new Date(0) });
  r.publish("rooms.hall", "two\nlines");
  r.publish("halls.x", 0);
  await c.until(() => split(c.text()).body.includes("hall"), 5000, "two events");
  expect(split(c.text()).body).toBe(
    'event: rooms.lobby\ndata: {"text":"hi","at":{"$date":"1970-01-01T00:00:00.000Z"}}\n\nevent: rooms.hall\ndata: "two\\nlines"\n\n',
  );
});

test("a client that leaves: noticed at once — the subscription ends, onclose runs, drained() waiters are released", async () => {
  const r = new ServiceRegistry();
  const closed = Promise.withResolvers<void>();
  let stream: EventStream | null = null;
  const open = eventStreamStats().open;
  await using d = streamDaemon(
    (events) => {
      stream = events;
      events.subscribe("a.>");
      events.subscribe("b");
      events.onclose = () => closed.resolve();
    },
    { reports: r },
  );
  const c = await RawClient.connect(d.port);
  c.send(GET());
  await c.until(() => r.reports.patterns().length === 2, 5000, "the subscriptions");
  expect(eventStreamStats().open).toBe(open + 1);
  c.pause();
  while (stream!.send({ data: "y".repeat(16 * 1024) })) await Promise.resolve();
  const waiter = stream!.drained();
  c.terminate();
  await closed.promise;
  await waiter;
  expect(stream!.closed).toBe(true);
  expect(r.reports.patterns()).toEqual([]);
  expect(eventStreamStats().open).toBe(open);
  r.publish("b", 1); // nobody to deliver to, nothing thrown
  expect(r.reportStats().delivered).toBe(0);
});

test("a slow subscriber (does not read while reports pour in) is dropped after EVENT_STREAM_MAX_BACKLOG: closed, counted, the rest never queued", async () => {
  const r = new ServiceRegistry();
  await using d = streamDaemon(
    (events) => {
      events.subscribe("flood");
    },
    { reports: r, heartbeatMs: 0 },
  );
  const c = await RawClient.connect(d.port, true);
  c.send(GET());
  await c.until(() => r.reports.patterns().length === 1, 5000, "the subscription");
  c.pause();
  const dropped = eventStreamStats().slowDropped;
  const value = "z".repeat(64 * 1024);
  const REPORTS = 1000; // 64 MiB published
  let published = 0;
  for (; published < REPORTS && r.reports.patterns().length > 0; published++) {
    r.publish("flood", value);
    if (published % 16 === 0) await yieldToIo();
  }
  expect(r.reports.patterns()).toEqual([]); // dropped: unsubscribed
  expect(published).toBeLessThan(REPORTS);
  expect(eventStreamStats().slowDropped).toBe(dropped + 1);
  c.resume();
  await c.untilClosed(10_000);
  // what reached the client is what the kernel and the high-water mark held, not the flood
  expect(c.length).toBeLessThan(published * value.length);
  expect(c.length).toBeLessThan(32 * 1024 * 1024);
});

test("a slow subscriber whose output stays congested past slowSubscriberMs is dropped by the sweep, with no report arriving meanwhile", async () => {
  const r = new ServiceRegistry();
  let servlet: HttpServlet | null = null;
  const closed = Promise.withResolvers<void>();
  await using d = streamDaemon(
    (events, s) => {
      servlet = s;
      events.subscribe("slow");
      events.onclose = () => closed.resolve();
    },
    { reports: r, heartbeatMs: 20, slowSubscriberMs: 100 },
  );
  const c = await RawClient.connect(d.port, true);
  c.send(GET());
  await c.until(() => r.reports.patterns().length === 1, 5000, "the subscription");
  c.pause();
  const dropped = eventStreamStats().slowDropped;
  // Reports while the output drains; once it stays congested no report comes, and the sweep
  // finds it still congested past slowSubscriberMs. (The kernel's buffers grow as they fill, so
  // a congestion may clear a few times before it stays.)
  const value = "s".repeat(32 * 1024);
  let outcome = "";
  for (let i = 0; outcome !== "closed"; i++) {
    if (i > 2000) throw new Error("never stayed congested");
    r.publish("slow", value);
    outcome = await Promise.race([closed.promise.then(() => "closed"), servlet!.session.drained().then(() => "drained")]);
  }
  expect(eventStreamStats().slowDropped).toBe(dropped + 1);
  expect(r.reports.patterns()).toEqual([]);
  c.resume();
  await c.untilClosed(10_000);
});

test("HEAD: the head only, and a stream that is already closed", async () => {
  let stream: EventStream | null = null;
  await using d = streamDaemon((events) => {
    stream = events;
  });
  using c = await RawClient.connect(d.port);
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  await c.until(() => c.text().includes("\r\n\r\n"), 5000, "the head");
  expect(c.text()).toContain("Content-Type: text/event-stream");
  expect(stream!.closed).toBe(true);
  expect(stream!.send({ data: 1 })).toBe(false);
});

test("eventStream() once the response has started: an Error (the servlet's bug: 500 if nothing was sent)", async () => {
  const router = new Router().get("/", (s) => {
    s.sendResponse(200);
    s.eventStream();
  });
  await using d = startDaemon({ "/": router });
  const res = await fetch(`http://127.0.0.1:${d.port}/`);
  expect(res.status).toBe(500);
  expect(d.errors.join("")).toContain("the response has already started");
});

test("an HttpError thrown before eventStream() answers as usual (nothing of the stream was sent)", async () => {
  const router = new Router().get("/", (s) => {
    if (s.header("authorization") === null) throw new HttpError(401, "who are you?");
    s.eventStream().close();
  });
  await using d = startDaemon({ "/": router });
  expect((await fetch(`http://127.0.0.1:${d.port}/`)).status).toBe(401);
});

test("HTTP/2: a slow subscriber (its stream window never reopened) is reset with CANCEL; the connection serves on", async () => {
  const r = new ServiceRegistry();
  const router = new Router()
    .get("/", (s) => {
      s.eventStream({ reports: r, heartbeatMs: 0 }).subscribe("flood");
    })
    .get("/plain", (s) => s.sendDocument(200, "text/plain", "ok"));
  await using d = startDaemon({ "/": router });
  await using client = await H2Client.connect(d.port, { autoWindowUpdate: false });
  const id = client.request("GET", "/");
  await client.nextFrame(FRAME_HEADERS, 5000, id);
  await eventually(async () => expect(r.reports.patterns()).toEqual(["flood"]));
  const dropped = eventStreamStats().slowDropped;
  const value = "h".repeat(64 * 1024);
  for (let i = 0; r.reports.patterns().length > 0; i++) {
    if (i > 1000) throw new Error("never dropped");
    r.publish("flood", value);
    if (i % 4 === 0) await yieldToIo();
  }
  expect(eventStreamStats().slowDropped).toBe(dropped + 1);
  const reset = await client.nextFrame(FRAME_RST_STREAM, 5000, id);
  expect(reset.errorCode).toBe(CANCEL);
  client.sendWindowUpdate(0, 16 * 1024 * 1024); // the connection window the stream used up
  const res = await client.response(client.request("GET", "/plain"));
  expect(new TextDecoder().decode(res.body)).toBe("ok");
});

test("subscribe() without a reports option takes reports from the process-wide `services`", async () => {
  await using d = streamDaemon(
    (events) => {
      events.subscribe("default.source");
    },
    { heartbeatMs: 0 },
  );
  using c = await RawClient.connect(d.port);
  c.send(GET());
  await eventually(async () => expect(services.reports.patterns()).toContain("default.source"));
  services.publish("default.source", 1);
  await c.until(() => split(c.text()).body.includes("event: default.source\ndata: 1\n\n"), 5000, "the event");
  c.close();
  await eventually(async () => expect(services.reports.patterns()).not.toContain("default.source"));
});

test("without a socket (ResponseRecorder): the head, an event, Last-Event-ID, and the client leaving closes the stream", async () => {
  const rec = new ResponseRecorder("GET /e HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 5\r\n\r\n");
  let events: EventStream | null = null;
  class Events extends HttpServlet {
    override processRequest(): void {
      events = this.eventStream({ heartbeatMs: 0 });
      events.send({ id: "6", data: "x" });
    }
  }
  rec.serve((s) => new Events(s));
  await eventually(async () => expect(rec.text()).toContain("id: 6\ndata: x\n\n"));
  expect(rec.text()).toStartWith("HTTP/1.1 200 OK\r\n");
  expect(events!.lastEventId).toBe("5");
  rec.leave();
  expect(events!.closed).toBe(true);
});
