/**
 * Benchmark peer: Bun.serve with a fetch handler returning the same 13-byte body.
 * `bun bun-serve-hello.ts PORT [--tls]`: with --tls, Bun.serve's `tls` with the test certificate.
 */
import { TLS_CERT, TLS_KEY, wantsTls } from "./tls-fixture.ts";

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  fetch() {
    return new Response("Hello, world!", { headers: { "Content-Type": "text/plain" } });
  },
});
console.log("ready");
