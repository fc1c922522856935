"""Python's h2 (Debian python3-h2) as a real HTTP/2 client of the interop tests.

usage: h2-python-client.py <port> [ca-file]   cleartext by prior knowledge; with a CA file, TLS
                                              offering h2 by ALPN

On one connection it makes the four requests of test/helpers/h2-interop-site.ts (GET /hello, POST
/echo with a 200,000-byte body sent as the windows allow, GET /big, four concurrent GET
/gather/4/<i>) and prints one JSON object with what came back. The socket has a timeout, so a
server that stops answering ends the run with an error instead of a hang.
"""
import hashlib, json, socket, ssl, sys

sys.path.append("/usr/lib/python3/dist-packages")
import h2.config, h2.connection, h2.events  # noqa: E402

port = int(sys.argv[1])
ca = sys.argv[2] if len(sys.argv) > 2 else None
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
if ca:
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(sock, server_hostname="localhost")
alpn = sock.selected_alpn_protocol() if ca else ""

conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

responses = {}  # stream id -> {"status", "body", "done"}
pending_bodies = {}  # stream id -> bytes not yet sent (waiting for window)


def pump():
    """Sends what the windows allow of pending bodies, reads one chunk, handles its events."""
    for sid in list(pending_bodies):
        rest = pending_bodies[sid]
        while rest:
            n = min(len(rest), conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if n <= 0:
                break  # the window is spent: a WINDOW_UPDATE will come
            conn.send_data(sid, rest[:n], end_stream=(n == len(rest)))
            rest = rest[n:]
        if rest:
            pending_bodies[sid] = rest
        else:
            del pending_bodies[sid]
    sock.sendall(conn.data_to_send())
    data = sock.recv(65536)
    if not data:
        raise SystemExit("connection closed by the server")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived):
            responses[ev.stream_id]["status"] = dict(ev.headers)[":status"]
        elif isinstance(ev, h2.events.DataReceived):
            responses[ev.stream_id]["body"] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            responses[ev.stream_id]["done"] = True
        elif isinstance(ev, h2.events.StreamReset):
            raise SystemExit(f"stream {ev.stream_id} reset: {ev.error_code}")
        elif isinstance(ev, h2.events.ConnectionTerminated):
            raise SystemExit(f"GOAWAY {ev.error_code}")
    sock.sendall(conn.data_to_send())


def start(method, path, body=None):
    sid = conn.get_next_available_stream_id()
    headers = [(":method", method), (":scheme", "https" if ca else "http"), (":authority", "localhost"), (":path", path)]
    conn.send_headers(sid, headers, end_stream=body is None)
    responses[sid] = {"status": "", "body": b"", "done": False}
    if body is not None:
        pending_bodies[sid] = body
    return sid


def wait(*sids):
    while not all(responses[s]["done"] for s in sids):
        pump()
    return [responses[s] for s in sids]


post_body = bytes((i * 7) & 0xFF for i in range(200_000))
[hello] = wait(start("GET", "/hello"))
[echo] = wait(start("POST", "/echo", post_body))
[big] = wait(start("GET", "/big"))
gathered = wait(*[start("GET", f"/gather/4/{i}") for i in range(4)])
print(json.dumps({
    "alpn": alpn,
    "hello": f"{hello['status']} {hello['body'].decode()}",
    "echo": f"{echo['status']} {echo['body'].decode()}",
    "big": f"{big['status']} {len(big['body'])} {hashlib.sha256(big['body']).hexdigest()}",
    "gather": [f"{r['status']} {r['body'].decode()}" for r in gathered],
}))
conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
