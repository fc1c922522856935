"""A real WebSocket client for the interop tests: Python's `websockets` (Debian python3-websockets).

    python3 ws-python-client.py URL [--insecure]

--insecure: over wss, accept the tests' self-signed certificate.

Connects (offering permessage-deflate, as websockets does by default), sends a short text, a
10,000-character text, a binary message and a ping, reads the echoes and the pong, and closes
with 1000. Prints one JSON line: what it received and what the handshake agreed.
"""
import asyncio
import json
import ssl
import sys

# Debian's package, also when `python3` on PATH is another Python (pyenv): as h2-peer.py does.
sys.path.append("/usr/lib/python3/dist-packages")
import websockets  # noqa: E402


async def main(url, insecure):
    context = None
    if url.startswith("wss:"):
        context = ssl.create_default_context()
        if insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    async with websockets.connect(url, subprotocols=["chat"], max_size=2**20, ssl=context) as ws:
        out = {
            "extensions": ws.response_headers.get("Sec-WebSocket-Extensions"),
            "subprotocol": ws.subprotocol,
        }
        await ws.send("hello")
        out["short"] = await ws.recv()
        long = "netsvc " * 1500
        await ws.send(long)
        out["long_ok"] = (await ws.recv()) == long
        await ws.send(bytes([0, 1, 2, 255]))
        out["binary"] = list(await ws.recv())
        pong = await ws.ping(b"p1")
        await asyncio.wait_for(pong, 5)
        out["pong"] = True
    out["close_code"] = ws.close_code
    print(json.dumps(out))


asyncio.run(asyncio.wait_for(main(sys.argv[1], "--insecure" in sys.argv), 20))
