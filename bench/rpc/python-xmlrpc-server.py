"""Python's own XML-RPC server (the XML-RPC peer of bench/rpc): add(a, b) at /RPC2/calc."""
import sys
from xmlrpc.server import SimpleXMLRPCServer, SimpleXMLRPCRequestHandler


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2/calc", "/rpc/calc")

    def log_message(self, *args):
        pass


server = SimpleXMLRPCServer(("127.0.0.1", int(sys.argv[1])), requestHandler=Handler, logRequests=False)
server.register_function(lambda a, b: a + b, "add")
print(f"ready {server.server_address[1]}", flush=True)
server.serve_forever()
