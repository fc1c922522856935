/**
 * Benchmark peer: Bun.serve with a fetch handler returning the same 13-byte body.
 * `bun bun-serve-hello.ts PORT [--tls] [--http2] [--idle-timeout S]`: with --tls, Bun.serve's `tls`
 * with the test certificate; with --http2, `http2: true` (HTTP/2 beside HTTP/1.1 on the same port:
 * h2c by prior knowledge, h2 by ALPN over TLS); --idle-timeout sets `idleTimeout` (default 10 s).
 */
import { idleTimeoutSeconds, TLS_CERT, TLS_KEY, wantsHttp2, wantsTls } from "./tls-fixture.ts";

const idleTimeout = idleTimeoutSeconds(process.argv);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  ...(wantsHttp2(process.argv) ? { http2: true } : {}),
  ...(idleTimeout !== undefined ? { idleTimeout } : {}),
  fetch() {
    return new Response("Hello, world!", { headers: { "Content-Type": "text/plain" } });
  },
});
console.log("ready");
