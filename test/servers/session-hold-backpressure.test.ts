/**
 * A response held for its session's save (SPEC §13) keeps backpressure: over HTTP/1, "nothing
 * writable" (every byte held) is not "drained", so a servlet honouring sendContent()'s answer and
 * drained() stops at about one high-water mark until the save lets its bytes go — it does not pile
 * the whole body up in the server. Found by review: drained() resolved at once while held, and 32
 * MiB were queued before the store answered.
 */
import { expect, test } from "bun:test";
import { Router, Sessions } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { ControlledStore } from "../helpers/session-stores.ts";

const PIECE = 64 * 1024;
const PIECES = 512; // 32 MiB in all

/** Lets the event loop run `n` whole turns (timers and I/O included). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test("drained() waits while the response is held for the session's save; the body goes once it is saved", async () => {
  const store = new ControlledStore();
  let written = 0;
  const full = Promise.withResolvers<number>();
  const router = new Router().use(new Sessions({ store })).get("/big", async (s) => {
    (await s.sessionContext()).x = 1;
    s.sendResponse(200);
    s.sendHeader("Content-Length", PIECE * PIECES);
    const piece = new Uint8Array(PIECE);
    for (let i = 0; i < PIECES; i++) {
      const more = s.sendContent(piece);
      written += PIECE;
      if (!more) {
        full.resolve(written);
        await s.drained();
      }
    }
  });
  await using d = startDaemon({ "/": router });
  store.hold();
  using c = await RawClient.connect(d.port);
  c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  await store.whenSetStarts();
  const atFull = await full.promise;
  await turns(20); // with drained() resolving while held, the whole body is queued within these
  expect(c.length).toBe(0); // held: nothing reached the client before the save
  expect(written).toBe(atFull); // the servlet waits at the high-water mark
  expect(written).toBeLessThan(4 * 1024 * 1024);
  store.release();
  await c.until(() => c.length >= PIECE * PIECES, 20_000, "the whole body");
  expect(written).toBe(PIECE * PIECES);
});
