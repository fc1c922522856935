/**
 * Benchmark peer: Bun.serve returning new Response(Bun.file(path)) per request.
 * `bun bun-serve-file.ts PORT DIR [--tls]`: with --tls, Bun.serve's `tls` with the test certificate.
 */
import { TLS_CERT, TLS_KEY, wantsTls } from "./tls-fixture.ts";

const dir = process.argv[3]!;
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  fetch(req) {
    const path = new URL(req.url).pathname;
    return new Response(Bun.file(dir + path));
  },
});
console.log("ready");
