/**
 * stop() and responses that never end by themselves (review of issue 23): an open event stream
 * ends (its last chunk sent) as soon as the daemon begins to stop, over HTTP/1.1 and HTTP/2, and a
 * long poll hears it through whenDaemonStops() — so stop() resolves at once instead of waiting out
 * its grace and cutting them.
 */
import { expect, test } from "bun:test";
import { HttpServlet, Router } from "../../src/index.ts";
import type { EventStream } from "../../src/servers/event-stream.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** A grace far longer than the test: stop() resolving means it did not wait for it. */
const LONG_GRACE_MS = 60_000;

test("HTTP/1.1: stop() ends an open event stream with its last chunk, and resolves without the grace", async () => {
  let stream: EventStream | null = null;
  const srv = startDaemon({ "/": new Router().get("/", (s) => void (stream = s.eventStream())) });
  using c = await RawClient.connect(srv.port, true);
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await c.until(() => c.text().includes("\r\n\r\n"), 3000, "the head");
  await srv.daemon.stop(LONG_GRACE_MS);
  expect(stream!.closed).toBe(true);
  await c.until(() => c.text().endsWith("0\r\n\r\n"), 3000, "the last chunk");
});

test("HTTP/2: stop() ends an open event stream's stream (END_STREAM), and resolves without the grace", async () => {
  let stream: EventStream | null = null;
  const opened = Promise.withResolvers<void>();
  const srv = startDaemon({
    "/": new Router().get("/", (s) => {
      stream = s.eventStream();
      opened.resolve();
    }),
  });
  const c = await H2Client.connect(srv.port, { decode: responseDecoder() });
  try {
    const id = c.request("GET", "/");
    await opened.promise;
    const stopping = srv.daemon.stop(LONG_GRACE_MS);
    const res = await c.response(id);
    expect(field(res.headers, ":status")).toBe("200");
    await stopping;
    expect(stream!.closed).toBe(true);
  } finally {
    await c.close();
  }
});

test("a long poll hears whenDaemonStops() and answers; a finished request is not called", async () => {
  const heard: string[] = [];
  const polling = Promise.withResolvers<void>();
  const srv = startDaemon({
    "/": new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            if (this.requestPath() === "/done") {
              this.whenDaemonStops(() => heard.push("done"));
              return this.sendDocument(200, "text/plain", "done");
            }
            this.whenDaemonStops(() => {
              heard.push("poll");
              this.sendDocument(503, "text/plain", "stopping");
            });
            polling.resolve();
          }
        })(s),
    ),
  });
  using done = await RawClient.connect(srv.port);
  expect((await done.request("GET /done HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(200);
  using poll = await RawClient.connect(srv.port, true);
  poll.send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
  await polling.promise;
  const stopping = srv.daemon.stop(LONG_GRACE_MS);
  const [r] = await poll.responses(1);
  expect(r!.status).toBe(503);
  await stopping;
  expect(heard).toEqual(["poll"]);
});
