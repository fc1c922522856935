/**
 * HttpDaemon.drain(): stops accepting like stop(), but an idle keep-alive connection is not closed
 * under a request its client may already be sending — its next request is answered with
 * `Connection: close`, then it closes — while stop() closes it at once.
 */
import { expect, test } from "bun:test";
import { RawClient } from "../helpers/raw-client.ts";
import { pathEcho, startDaemon } from "../helpers/servers.ts";

test("drain(): an idle keep-alive connection gets its next answer (Connection: close), then closes; stop() closes it at once", async () => {
  await using srv = startDaemon({ "/": pathEcho() });
  using c = await RawClient.connect(srv.port);
  const first = await c.request("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  expect(first.headers.connection).toBe("keep-alive");
  const drained = srv.daemon.drain(5_000);
  const next = await c.request("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"); // sent after the drain began
  expect([next.status, next.body, next.headers.connection]).toEqual([200, "GET /b [b]", "close"]);
  await c.untilClosed();
  await drained;

  await using other = startDaemon({ "/": pathEcho() });
  using d = await RawClient.connect(other.port);
  await d.request("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  const stopped = other.daemon.stop(5_000);
  await d.untilClosed(); // stop(): the idle connection closes with no request
  await stopped;
});
