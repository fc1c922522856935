/** Benchmark peer: Bun.serve with a fetch handler returning the same 13-byte body. */
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  fetch() {
    return new Response("Hello, world!", { headers: { "Content-Type": "text/plain" } });
  },
});
console.log("ready");
