"""Python's own XML-RPC client against a netsvc RpcGateway: prints one JSON report on stdout.

usage: xmlrpc-client.py URL    (the URL of a service exporting echo(x) and fail())
"""
import datetime, json, sys, xmlrpc.client

url = sys.argv[1]
proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
report = {}
when = xmlrpc.client.DateTime(datetime.datetime(2026, 1, 2, 3, 4, 5))
samples = {
    "int": 42, "negative": -7, "bool": True, "false": False, "str": "h\u00e9llo <&> \U0001F600",
    "float": 1.5, "datetime": when, "bytes": xmlrpc.client.Binary(b"\x00\xff\x10"),
    "list": [1, "a", [2.5]], "dict": {"k": [True, None], "n": {"m": 1}}, "none": None,
}
for name, value in samples.items():
    back = proxy.echo(value)
    report[name] = back == value and type(back) is type(value)
try:
    proxy.fail()
    report["fault"] = "no fault"
except xmlrpc.client.Fault as f:
    report["fault"] = [f.faultCode, f.faultString]
try:
    proxy.nope()
except xmlrpc.client.Fault as f:
    report["nomethod"] = f.faultCode
print(json.dumps(report))
