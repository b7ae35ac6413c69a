"""kafka-python's partitioning of keyed records, for comparison with kafkats.

stdin: {"keys": ["<base64>", ...], "partitionCounts": [n, ...]}
stdout: {"hashes": [murmur2 as kafka-python returns it (unsigned), ...],
         "partitions": {"<n>": [DefaultPartitioner's partition of each key among n partitions], ...}}
"""
import base64
import json
import sys

from kafka.partitioner.default import DefaultPartitioner, murmur2

request = json.load(sys.stdin)
keys = [base64.b64decode(key) for key in request["keys"]]
answer = {"hashes": [murmur2(key) for key in keys], "partitions": {}}
for count in request["partitionCounts"]:
    partitions = list(range(count))
    answer["partitions"][str(count)] = [DefaultPartitioner.__call__(key, partitions, partitions) for key in keys]
print(json.dumps(answer))
