"""Python's h2 (Debian python3-h2) as the real peer of the HTTP/2 frame layer's cross-checks.

usage: h2-peer.py produce          prints, as hex, what h2 as a client writes: the preface and
                                   SETTINGS, HEADERS with priority, padded DATA, PING,
                                   WINDOW_UPDATE, RST_STREAM, PRIORITY, GOAWAY
       h2-peer.py consume < hex    h2 as a client that sent a request on stream 1 reads a server's
                                   frames (hex on stdin); prints the events it saw as JSON
       h2-peer.py request < hex    h2 as a server reads a client's preface, SETTINGS and request
                                   (hex on stdin); prints the requests' headers as JSON

The Debian package installs into the system Python's dist-packages; a python3 from elsewhere on
PATH (pyenv) is pointed at it, after its own packages.
"""
import json, sys

sys.path.append("/usr/lib/python3/dist-packages")
import h2.config, h2.connection, h2.events, h2.settings  # noqa: E402


def produce():
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
    c.local_settings = h2.settings.Settings(client=True, initial_values={
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20,
        h2.settings.SettingCodes.MAX_FRAME_SIZE: 32768,
        h2.settings.SettingCodes.ENABLE_PUSH: 0,
    })
    c.initiate_connection()
    c.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/upload"), (":authority", "localhost")],
                   priority_weight=201, priority_depends_on=0, priority_exclusive=True)
    c.send_data(1, b"hello, h2", pad_length=7)
    c.send_data(1, b"!", end_stream=True)
    c.ping(b"pingpong")
    c.increment_flow_control_window(1 << 16)
    c.send_headers(3, [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")])
    c.increment_flow_control_window(4096, stream_id=3)
    c.reset_stream(3, error_code=8)
    c.prioritize(5, weight=1, depends_on=3, exclusive=False)
    c.close_connection(error_code=11, last_stream_id=0)
    print(c.data_to_send().hex())


def read_input():
    return bytes.fromhex(sys.stdin.read().strip())


def consume():
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
    c.initiate_connection()
    c.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")])
    c.data_to_send()
    out = []
    for e in c.receive_data(read_input()):
        if isinstance(e, h2.events.RemoteSettingsChanged):
            out.append({"event": "settings", "changed": {int(k): v.new_value for k, v in e.changed_settings.items()}})
        elif isinstance(e, h2.events.SettingsAcknowledged):
            out.append({"event": "settings-ack"})
        elif isinstance(e, h2.events.PingAckReceived):
            out.append({"event": "ping-ack", "data": e.ping_data.hex()})
        elif isinstance(e, h2.events.WindowUpdated):
            out.append({"event": "window-update", "stream": e.stream_id, "delta": e.delta})
        elif isinstance(e, h2.events.StreamReset):
            out.append({"event": "reset", "stream": e.stream_id, "code": int(e.error_code)})
        elif isinstance(e, h2.events.ConnectionTerminated):
            out.append({"event": "goaway", "last": e.last_stream_id, "code": int(e.error_code), "debug": e.additional_data})
        else:
            out.append({"event": type(e).__name__})
    print(json.dumps(out))


def request():
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="latin-1"))
    c.initiate_connection()
    out = []
    for e in c.receive_data(read_input()):
        if isinstance(e, h2.events.RequestReceived):
            out.append({"stream": e.stream_id, "headers": [list(h) for h in e.headers], "ended": e.stream_ended is not None})
        elif isinstance(e, h2.events.DataReceived):
            out.append({"stream": e.stream_id, "data": e.data.decode("latin-1")})
    print(json.dumps(out))


{"produce": produce, "consume": consume, "request": request}[sys.argv[1]]()
