/**
 * Benchmark peer: Bun.serve's file routes (`routes: { path: Bun.file(…) }`), Bun's native file
 * serving: the file is read from disk per request (a change on disk is served at once), with
 * Last-Modified and ranges — the same work as a file server, unlike a static route's prebuilt body.
 * `bun bun-serve-file-route.ts PORT DIR [--tls] [--http2]`: DIR holds hello.txt and 64k.bin.
 */
import { TLS_CERT, TLS_KEY, wantsHttp2, wantsTls } from "./tls-fixture.ts";

const dir = process.argv[3]!;
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  ...(wantsHttp2(process.argv) ? { http2: true } : {}),
  routes: {
    "/hello.txt": Bun.file(`${dir}/hello.txt`),
    "/64k.bin": Bun.file(`${dir}/64k.bin`),
  },
  fetch() {
    return new Response("Not Found", { status: 404 });
  },
});
console.log("ready");
