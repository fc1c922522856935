// Node's own http2 client (run with the `node` binary, not Bun) as a real HTTP/2 peer of the interop
// tests: usage `node h2-node-client.mjs <origin> [ca-file]`. On one session it makes the four
// requests of test/helpers/h2-interop-site.ts (GET /hello, POST /echo with a 200,000-byte body,
// GET /big, four concurrent GET /gather/4/<i>) and prints one JSON object with what came back.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http2 from "node:http2";

if (globalThis.Bun) {
  console.error("this is Bun's node shim, not Node: Node's http2 client is the peer meant");
  process.exit(3);
}
const [origin, caFile] = process.argv.slice(2);
const session = http2.connect(origin, caFile ? { ca: readFileSync(caFile) } : {});
session.on("error", (e) => {
  console.error(`session error: ${e.message}`);
  process.exit(2);
});

/** One request on the session: its :status, body and the protocol Node saw. */
function request(headers, body) {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    const chunks = [];
    let status = 0;
    stream.on("response", (h) => (status = h[":status"]));
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve({ status, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(body);
  });
}

const sha = (b) => createHash("sha256").update(b).digest("hex");
const postBody = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff));
const hello = await request({ ":path": "/hello" });
const echo = await request({ ":method": "POST", ":path": "/echo", "content-type": "application/octet-stream" }, postBody);
const big = await request({ ":path": "/big" });
const gathered = await Promise.all([0, 1, 2, 3].map((i) => request({ ":path": `/gather/4/${i}` })));
console.log(
  JSON.stringify({
    alpn: session.alpnProtocol,
    node: process.version,
    hello: `${hello.status} ${hello.body}`,
    echo: `${echo.status} ${echo.body}`,
    big: `${big.status} ${big.body.length} ${sha(big.body)}`,
    gather: gathered.map((r) => `${r.status} ${r.body}`),
  }),
);
session.close();
