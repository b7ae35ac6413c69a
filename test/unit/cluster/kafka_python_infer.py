"""Feeds version tables to kafka-python's own release inference (the one check_version uses).

stdin: {"<name>": {"<api key>": [min, max], ...}, ...}; stdout: {"<name>": "a.b.c", ...}
"""
import json
import sys

from kafka.conn import BrokerConnection

tables = json.load(sys.stdin)
answers = {}
for name, table in tables.items():
    versions = {int(key): tuple(bounds) for key, bounds in table.items()}
    # The method reads only its argument, never the connection.
    inferred = BrokerConnection._infer_broker_version_from_api_versions(None, versions)
    answers[name] = '.'.join(str(part) for part in inferred)
print(json.dumps(answers))
