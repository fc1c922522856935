// Benchmark peer: node:http on Node 20 with the same 13-byte body.
import { createServer } from "node:http";
createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 13 });
  res.end("Hello, world!");
}).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));
