/**
 * Benchmark peer: Bun.serve with prebuilt static routes (Bun's native fast path).
 * `bun bun-serve-static.ts PORT DIR [--tls] [--http2]`: DIR holds hello.txt and 64k.bin; --tls and
 * --http2 as in bun-serve-hello.ts.
 */
import { readFileSync } from "node:fs";
import { TLS_CERT, TLS_KEY, wantsHttp2, wantsTls } from "./tls-fixture.ts";

const dir = process.argv[3]!;
const small = readFileSync(`${dir}/hello.txt`);
const large = readFileSync(`${dir}/64k.bin`);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(wantsTls(process.argv) ? { tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } } : {}),
  ...(wantsHttp2(process.argv) ? { http2: true } : {}),
  routes: {
    "/hello.txt": new Response(small, { headers: { "Content-Type": "text/plain;charset=utf-8" } }),
    "/64k.bin": new Response(large, { headers: { "Content-Type": "application/octet-stream" } }),
  },
  fetch() {
    return new Response("Not Found", { status: 404 });
  },
});
console.log("ready");
