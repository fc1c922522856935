"""A WebSocket client for test/http/ws/permessage-deflate.test.ts: Python's websockets (Debian
python3-websockets), offering permessage-deflate as it does by default. Connects to argv[1],
prints the extension it negotiated, sends a compressible text, a binary and a short text, then
prints each message the server sends back and the close code it ends with. One line per fact."""
import asyncio
import sys

import websockets


async def main() -> None:
    async with websockets.connect(sys.argv[1], max_size=2**20, open_timeout=10, close_timeout=5) as ws:
        for ext in ws.extensions:
            print("extension", ext.name, "local_no_context_takeover=%s" % ext.local_no_context_takeover,
                  "remote_no_context_takeover=%s" % ext.remote_no_context_takeover, flush=True)
        await ws.send("hello " * 200)
        await ws.send(bytes(range(256)) * 4)
        await ws.send("short")
        try:
            while True:
                message = await asyncio.wait_for(ws.recv(), 10)
                kind = "text" if isinstance(message, str) else "binary"
                print("received", kind, len(message), message[:12] if isinstance(message, str) else message[:4].hex(), flush=True)
        except websockets.ConnectionClosed as closed:
            print("closed", closed.rcvd.code if closed.rcvd else None, flush=True)


asyncio.run(main())
