/**
 * The Date header is correct to the second (issue 19, item 8; RFC 9110 §6.6.1): it never names a
 * second earlier than the one in which the client sent the request. (It used to be refreshed by
 * the sweep timer and lagged the clock by up to a second after every second boundary.)
 *
 * Why this cannot flake: client and server run on the same clock, the server reads it after the
 * request arrived, so a correct Date is always in [floor(sent), floor(received)] — whatever the
 * load, and whether or not a second boundary falls between the two readings. A lagging Date
 * shows right after a boundary, so the samples start just past one.
 */
import { describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw-client.ts";
import { TextServlet, FnServer, startDaemon } from "../helpers/servers.ts";
import { FileServer } from "../../src/index.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long to sample after the boundary (ms): the old refresh came up to a second late. */
const SAMPLE_MS = 300;
/** Starting this long after a boundary, so the first sample falls inside the old lag. */
const AFTER_BOUNDARY_MS = 2;

const second = (ms: number) => Math.floor(ms / 1000);

/** Resolves just after the next second boundary of the wall clock. */
function nextSecond(): Promise<void> {
  const wait = 1000 - (Date.now() % 1000) + AFTER_BOUNDARY_MS;
  return new Promise((resolve) => setTimeout(resolve, wait));
}

describe("the Date header", () => {
  test("never lags the client's clock by a whole second, right after a second boundary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-date-"));
    writeFileSync(join(dir, "a.txt"), "a");
    await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "ok")), "/files": new FileServer(dir) });
    using c = await RawClient.connect(srv.port);
    await c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // connected and warm
    await nextSecond();
    const late: string[] = [];
    let samples = 0;
    const end = Date.now() + SAMPLE_MS;
    while (Date.now() < end) {
      for (const target of ["/", "/files/a.txt"]) {
        const sent = Date.now();
        const r = await c.request(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
        const received = Date.now();
        const date = Date.parse(r.headers.date!);
        samples++;
        if (second(date) < second(sent) || second(date) > second(received))
          late.push(`${target}: Date ${r.headers.date} for a request sent at ${new Date(sent).toISOString()}`);
      }
    }
    expect(samples).toBeGreaterThan(10);
    expect({ late: late.length, first: late.slice(0, 3) }).toEqual({ late: 0, first: [] });
  });

  test("a request refused before parsing (400) carries the current Date too", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "ok")) });
    await nextSecond();
    using c = await RawClient.connect(srv.port);
    const sent = Date.now();
    c.send("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n");
    const [r] = await c.responses(1, 3000);
    expect(r!.status).toBe(400);
    expect(second(Date.parse(r!.headers.date!))).toBeGreaterThanOrEqual(second(sent));
  });
});
