/**
 * The client side of the event-stream fan-out benchmark (run.ts): `bun bench/events/client.ts
 * URL N`. Opens N connections to URL (raw TCP, `GET` HTTP/1.1), counts the events each receives
 * (a blank line, `\n\n`, ends an event) and reads commands on stdin: `expect <k>` prints `got`
 * once every connection has received k events since the last `expect`. Prints `open` once every
 * connection has its response head.
 */
const [url, nArg] = process.argv.slice(2);
const n = Number(nArg);
const { hostname, port, pathname } = new URL(url!);
const LF = 10;

interface Conn {
  events: number;
  lastLf: boolean;
  headDone: boolean;
}
const conns: Conn[] = [];
let heads = 0;
let target = Number.POSITIVE_INFINITY;
let satisfied = 0;

function check(c: Conn): void {
  if (c.events === target) {
    satisfied++;
    if (satisfied === n) console.log("got");
  }
}

for (let i = 0; i < n; i++) {
  const c: Conn = { events: 0, lastLf: false, headDone: false };
  conns.push(c);
  await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      open(s) {
        s.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      },
      data(_s, chunk) {
        let start = 0;
        if (!c.headDone) {
          const end = chunk.indexOf("\r\n\r\n");
          if (end < 0) return; // heads are small: never split in practice on loopback
          c.headDone = true;
          start = end + 4;
          if (++heads === n) console.log("open");
        }
        let last = c.lastLf;
        for (let p = start; p < chunk.length; p++) {
          const b = chunk[p]!;
          if (b === LF && last) {
            c.events++;
            if (c.events === target) check(c);
            last = false;
          } else last = b === LF;
        }
        c.lastLf = last;
      },
    },
  });
}

for await (const line of console) {
  const [cmd, arg] = line.split(" ");
  if (cmd === "expect") {
    satisfied = 0;
    const k = Number(arg);
    target = conns[0]!.events + k; // every connection has had the same so far
    for (const c of conns) if (c.events === target) check(c);
  }
}
