/**
 * Sessions over HTTP/2 (SPEC §11, §13): a stream's response is held for the session's save as an
 * HTTP/1 response is (the hold is the stream's output queue's), goes with its Set-Cookie once the
 * store has the session, and is replaced by a 503 when the save fails — on real sockets, with the
 * project's raw HTTP/2 client.
 */
import { expect, test } from "bun:test";
import { H2Client } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { startDaemon } from "../helpers/servers.ts";
import { ControlledStore, holdingApp } from "../helpers/session-stores.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * A daemon whose store holds its next save, a client, and its GET /login stream, once that save
 * has begun; disposing of it closes the client, then the daemon.
 */
async function heldLogin() {
  const store = new ControlledStore();
  store.hold();
  const d = startDaemon({ "/": holdingApp(store) });
  const c = await H2Client.connect(d.port, { decode: responseDecoder() });
  const stream = c.request("GET", "/login");
  await store.whenSetStarts();
  return {
    store,
    d,
    c,
    stream,
    async [Symbol.asyncDispose]() {
      await c[Symbol.asyncDispose]();
      await d[Symbol.asyncDispose]();
    },
  };
}

test("a stream's response waits for the save, then goes with the session's cookie", async () => {
  await using h = await heldLogin();
  const { store, d, c, stream } = h;
  expect(store.memory.stats().sessions).toBe(0);
  store.release();
  const res = await c.response(stream);
  expect(field(res.headers, ":status")).toBe("200");
  const { id } = JSON.parse(text(res.body)) as { id: string };
  expect(field(res.headers, "set-cookie")).toStartWith(`sid=${id}; `);
  expect(await store.memory.get(id)).toEqual({ user: "ada" });
  expect(d.errors).toEqual([]);
});

test("a save that fails: the stream's held response is replaced by a 503", async () => {
  await using h = await heldLogin();
  const { store, d, c, stream } = h;
  store.down = true;
  store.release();
  const res = await c.response(stream);
  expect(field(res.headers, ":status")).toBe("503");
  expect(text(res.body)).not.toContain('"id"');
  expect(d.errors).toEqual([]);
});

test("a held stream holds only itself: another stream of the connection is answered meanwhile", async () => {
  await using h = await heldLogin();
  const { store, c, stream: held } = h;
  const other = await c.response(c.request("GET", "/other"));
  expect(JSON.parse(text(other.body))).toEqual({ other: true });
  expect(c.summary()).not.toMatch(new RegExp(`@${held}(?![0-9])`)); // no frame of the held stream yet
  store.release();
  expect(field((await c.response(held)).headers, ":status")).toBe("200");
});
