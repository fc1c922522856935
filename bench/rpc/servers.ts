/**
 * The processes of the RPC benchmark, one role each (argv[2]); each prints "ready <port>" once it
 * serves. Every role does the same work per call: read a JSON-RPC (or XML-RPC) call, add two
 * numbers, write the reply.
 *   gateway PORT            netsvc HttpDaemon + RpcGateway (JSON-RPC) + in-process service "calc"
 *   xml PORT                the same with the XML-RPC gateway
 *   bunserve PORT           a minimal Bun.serve handler doing the same JSON work (the peer)
 *   host NATS_URL           service "calc" on the bus (Exchange) + a direct NATS responder
 *   natsgw PORT NATS_URL    a gateway whose only services are on the bus
 */
import { connect } from "@nats-io/transport-node";
import { HttpDaemon } from "../../src/index.ts";
import { Exchange, Service } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";

const [role, a, b] = process.argv.slice(2);

function add(x: number, y: number): number {
  return x + y;
}

function calcService(): void {
  new Service("calc").exportMethod(add, "add");
}

function daemonWith(gateway: RpcGateway, port: number): void {
  const d = new HttpDaemon(port, { accessLog: null, maxRequestsPerConnection: Number.POSITIVE_INFINITY });
  d.attach("/rpc", gateway);
  d.start();
  console.log(`ready ${d.port()}`);
}

switch (role) {
  case "gateway":
    calcService();
    daemonWith(new RpcGateway(""), Number(a));
    break;
  case "xml":
    calcService();
    daemonWith(new RpcGateway("", { protocol: "xml-rpc" }), Number(a));
    break;
  case "bunserve": {
    const server = Bun.serve({
      port: Number(a),
      hostname: "127.0.0.1",
      async fetch(req) {
        if (req.method !== "POST") return new Response("POST only", { status: 405 });
        const call = (await req.json()) as { method: string; params: [number, number]; id: unknown };
        const result = call.method === "add" ? add(call.params[0], call.params[1]) : null;
        return new Response(JSON.stringify({ jsonrpc: "2.0", result, id: call.id }), { headers: { "Content-Type": "application/json" } });
      },
    });
    console.log(`ready ${server.port}`);
    break;
  }
  case "host": {
    calcService();
    const ex = new Exchange({ servers: a!, log: () => {} });
    await ex.connect();
    const nc = await connect({ servers: a! });
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    nc.subscribe("bench.direct", {
      callback: (err, msg) => {
        if (err) return;
        const { m, p } = JSON.parse(dec.decode(msg.data)) as { m: string; p: [number, number] };
        msg.respond(enc.encode(JSON.stringify({ r: m === "add" ? add(p[0], p[1]) : null })));
      },
    });
    console.log("ready 0");
    break;
  }
  case "natsgw": {
    const ex = new Exchange({ servers: b!, log: () => {} });
    await ex.connect();
    daemonWith(new RpcGateway(""), Number(a));
    break;
  }
  default:
    console.error("unknown role");
    process.exit(2);
}
