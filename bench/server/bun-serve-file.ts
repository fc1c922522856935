/** Benchmark peer: Bun.serve returning new Response(Bun.file(path)) per request. */
const dir = process.argv[3]!;
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  fetch(req) {
    const path = new URL(req.url).pathname;
    return new Response(Bun.file(dir + path));
  },
});
console.log("ready");
