"""Parses Prometheus text (stdin) with the real prometheus_client parser (Debian's
python3-prometheus-client) and prints its families as JSON: {name: {type, samples: [[name, labels, value]]}}.
A page the parser refuses exits non-zero with its message on stderr."""
import json
import sys

sys.path.append("/usr/lib/python3/dist-packages")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    out[family.name] = {"type": family.type, "samples": [[s.name, s.labels, s.value] for s in family.samples]}
print(json.dumps(out))
