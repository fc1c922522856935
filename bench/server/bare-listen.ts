/**
 * The ceiling: a bare Bun.listen responder that answers every request head (each CRLFCRLF)
 * with the same canned bytes, with no parsing at all. Nothing HTTP can be faster on Bun.listen.
 * `bun bare-listen.ts PORT [--tls] [--close]`: with --tls, over Bun.listen's TLS with the test
 * certificate (the ceiling of any HTTPS server on Bun.listen); with --close, one answer per
 * connection (`Connection: close`, then end()): the ceiling of new connections per second.
 */
import { TLS_CERT, TLS_KEY, wantsTls } from "./tls-fixture.ts";

const CLOSE = process.argv.includes("--close");
const RESPONSE = Buffer.from(
  `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: ${CLOSE ? "close" : "keep-alive"}\r\n\r\nHello, world!`,
);
const MAX = 64;
const batch = Buffer.alloc(RESPONSE.length * MAX);
for (let i = 0; i < MAX; i++) RESPONSE.copy(batch, i * RESPONSE.length);

Bun.listen<{ tail: number }>({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  data: { tail: 0 },
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  socket: {
    open(s) {
      s.data = { tail: 0 };
    },
    data(s, chunk) {
      // Count head ends, carrying up to 3 bytes of a split CRLFCRLF across reads.
      let n = 0;
      let state = s.data.tail;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 13) state = state === 2 ? 3 : 1;
        else if (c === 10) {
          if (state === 3) {
            n++;
            state = 0;
          } else state = state === 1 ? 2 : 0;
        } else state = 0;
      }
      s.data.tail = state;
      if (CLOSE && n > 0) {
        s.end(RESPONSE);
        return;
      }
      while (n > 0) {
        const k = Math.min(n, MAX);
        s.write(batch, 0, k * RESPONSE.length);
        n -= k;
      }
    },
  },
});
console.log("ready");
