/**
 * Request cycles are pooled by the daemon and reused request after request (no allocation per
 * request beyond the session and the servlet): the next request on a connection gets the cycle
 * the last one gave back. A servlet may keep its session and its promises past its request: none
 * of that may reach the next request's cycle — on the same connection, or on another one that
 * took the cycle from the daemon's pool. Real sockets.
 */
import { expect, test } from "bun:test";
import { HttpServer, HttpServlet, RequestAborted } from "../../src/index.ts";
import type { HttpSession } from "../../src/servers/http-session.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

/** One turn of the event loop: every microtask queued before it (a settled promise's callbacks, a resume) has run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("a promise of a finished request settling late does not release the next request's backpressure", async () => {
  const firstPending = Promise.withResolvers<void>();
  const secondPending = Promise.withResolvers<void>();
  const seen: string[] = [];
  const gotFirstPiece = Promise.withResolvers<void>();
  let served = 0;
  const server = new FnServer(
    (s) =>
      new (class extends HttpServlet {
        private readonly n = ++served;
        override processRequest(): void {}
        override processContent(chunk: Uint8Array): Promise<void> {
          const piece = new TextDecoder().decode(chunk);
          if (this.n === 1) {
            // Answers, then hands back a promise that settles only after the next request began.
            this.sendDocument(200, "text/plain", "one");
            return firstPending.promise;
          }
          seen.push(piece);
          if (seen.length === 1) {
            gotFirstPiece.resolve();
            return secondPending.promise; // no more pieces until this settles (SPEC §2.4)
          }
          return Promise.resolve();
        }
        override contentComplete(): void {
          if (this.n === 2) this.sendDocument(200, "text/plain", seen.join("|"));
        }
      })(s),
  );
  await using srv = startDaemon({ "/": server });
  using c = await RawClient.connect(srv.port);
  c.send("POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
  await c.responses(1);
  // The second request's two chunks arrive together: the second waits in the buffer while the
  // servlet holds the first.
  c.send("POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
  await gotFirstPiece.promise;
  firstPending.resolve(); // the first request's promise settles now
  await firstPending.promise;
  await nextTurn();
  expect(seen).toEqual(["a"]); // "b" is still held for the second request's own promise
  secondPending.resolve();
  const [, second] = await c.responses(2);
  expect(second?.status).toBe(200);
  expect(second?.body).toBe("a|b");
  expect(c.closed).toBe(false);
});

test("a session kept past its request reads as finished; the next request on the connection is untouched", async () => {
  let kept: HttpSession | null = null;
  let served = 0;
  const server = new FnServer(
    (s) =>
      new (class extends HttpServlet {
        private readonly n = ++served;
        override async processRequest(): Promise<void> {
          if (this.n === 1) {
            kept = this.session;
            return this.sendDocument(200, "text/plain", "one");
          }
          // The first request's session, asked for its body while this one reads its own.
          const late = kept!.content();
          const own = new TextDecoder().decode(await this.content());
          const error = await late.then(
            () => "resolved",
            (e) => (e instanceof RequestAborted ? "aborted" : String(e)),
          );
          this.sendDocument(200, "text/plain", `${own} ${error} ${kept!.isDestroyed()} [${kept!.requestMethod()}]`);
        }
      })(s),
  );
  await using srv = startDaemon({ "/": server });
  using c = await RawClient.connect(srv.port);
  expect((await c.request("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("one");
  const second = await c.request("POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  expect(second.status).toBe(200);
  expect(second.body).toBe("hello aborted true []");
  expect(c.closed).toBe(false);
});

test("a late authentication decision of a request whose client left does not reach the request that took its cycle", async () => {
  // Each authenticate() call waits on its own promise; the test decides them in its own order.
  const decisions: PromiseWithResolvers<string>[] = [];
  const asked = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  const servedFor: string[] = [];
  const server = new (class extends HttpServer {
    override authenticate(): Promise<string> {
      const d = Promise.withResolvers<string>();
      asked[decisions.push(d) - 1]!.resolve();
      return d.promise;
    }
    override servlet(s: HttpSession): HttpServlet {
      servedFor.push(s.remoteUser());
      return new TextServlet(s, `hello ${s.remoteUser()}`);
    }
  })();
  await using srv = startDaemon({ "/": server });
  const a = await RawClient.connect(srv.port);
  a.send("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTph\r\n\r\n");
  await asked[0]!.promise;
  // The first client leaves while its authentication is pending: its connection closes and the
  // cycle goes back to the pool, whence the next connection's request takes it.
  a.close();
  await a.until(() => srv.daemon.stats().open === 0, 5000, "the first connection closed");
  using b = await RawClient.connect(srv.port);
  b.send("GET /b HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Yjpi\r\n\r\n");
  await asked[1]!.promise;
  decisions[0]!.resolve("alice"); // the abandoned request's decision, late
  await decisions[0]!.promise;
  await nextTurn();
  expect(servedFor).toEqual([]); // no servlet for the abandoned request, nor for the waiting one
  expect(b.text()).toBe("");
  decisions[1]!.resolve("bob");
  const [response] = await b.responses(1);
  expect(response?.status).toBe(200);
  expect(response?.body).toBe("hello bob");
  expect(servedFor).toEqual(["bob"]);
  expect(b.closed).toBe(false);
  expect(srv.daemon.stats().abandoned).toBe(1);
});
