/**
 * A client connection that reads HTTP/1.x responses as they arrive (ReplyReader) and waits,
 * bounded, for the answer to each request it writes: the normal client's connection, and the
 * keep-alive lockout probe's clients'.
 */
import type { Socket } from "bun";
import { type ReadResponse, ReplyReader } from "./reply-reader.ts";

/** One connection to the server under test. */
export interface ReplyConnection {
  socket: Socket<undefined>;
  /** The responses read on it so far. */
  reader: ReplyReader;
  /** Closed (by either side). */
  closed: boolean;
  /** Wakes the request waiting on it (bytes arrived, or the close). */
  wake: () => void;
}

/**
 * Opens a connection to 127.0.0.1:`port` (TLS when `tls`, the certificate not checked: the
 * probes time the server, not trust); rejects when it is refused. Over TLS it resolves once the
 * handshake ended: Bun drops what a TLS client socket is given to write before that (write() 0).
 */
export async function openReplyConnection(port: number, tls = false): Promise<ReplyConnection> {
  const conn = { reader: new ReplyReader(), closed: false, wake: () => {} } as ReplyConnection;
  const handshaken = Promise.withResolvers<void>();
  conn.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    ...(tls ? { tls: { rejectUnauthorized: false } } : {}),
    socket: {
      handshake: () => handshaken.resolve(),
      data: (_s, chunk) => {
        conn.reader.push(chunk);
        conn.wake();
      },
      close: () => {
        conn.closed = true;
        conn.reader.closed();
        conn.wake();
        handshaken.resolve(); // a failed handshake closes: the request then finds it closed
      },
      error: () => {},
    },
  });
  if (tls) await handshaken.promise;
  return conn;
}

/**
 * Writes `request` on `conn` and waits for its response until `deadline` (performance.now() ms):
 * the response; "closed" when the connection closed before it; "timeout" at the deadline, the
 * connection then reset (a late answer must not be read as the next request's).
 */
export async function awaitReply(
  conn: ReplyConnection,
  request: Uint8Array,
  deadline: number,
): Promise<ReadResponse | "closed" | "timeout"> {
  const before = conn.reader.responses.length;
  conn.socket.write(request);
  for (;;) {
    if (conn.reader.responses.length > before) return conn.reader.responses[before]!;
    if (conn.closed) return "closed";
    const left = deadline - performance.now();
    if (left <= 0) {
      conn.socket.terminate();
      return "timeout";
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      conn.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
