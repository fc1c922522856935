/** Benchmark peer: Bun.serve with prebuilt static routes (Bun's native fast path). */
import { readFileSync } from "node:fs";
const dir = process.argv[3]!;
const small = readFileSync(`${dir}/hello.txt`);
const large = readFileSync(`${dir}/64k.bin`);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  routes: {
    "/hello.txt": new Response(small, { headers: { "Content-Type": "text/plain;charset=utf-8" } }),
    "/64k.bin": new Response(large, { headers: { "Content-Type": "application/octet-stream" } }),
  },
  fetch() {
    return new Response("Not Found", { status: 404 });
  },
});
console.log("ready");
