/**
 * Benchmark peer: Bun.serve returning new Response(Bun.file(path)) per request.
 * `bun bun-serve-file.ts PORT DIR [--tls] [--http2]`: with --tls, Bun.serve's `tls` with the test
 * certificate; --http2 as in bun-serve-hello.ts.
 */
import { TLS_CERT, TLS_KEY, wantsHttp2, wantsTls } from "./tls-fixture.ts";

const dir = process.argv[3]!;
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  ...(wantsHttp2(process.argv) ? { http2: true } : {}),
  fetch(req) {
    const path = new URL(req.url).pathname;
    return new Response(Bun.file(dir + path));
  },
});
console.log("ready");
