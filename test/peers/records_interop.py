"""kafka-python as an independent implementation of Kafka's record formats, for kafkats's interop test.

  records_interop.py build < spec.json > records.bin   builds batches with kafka-python's builders
  records_interop.py read  < records.bin > records.json decodes a records field with MemoryRecords

Keys, values and header values travel as base64 (null stays null).
"""
import base64
import json
import struct
import sys

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def unb64(value):
    return None if value is None else base64.b64decode(value)


def b64(value):
    return None if value is None else base64.b64encode(bytes(value)).decode("ascii")


def build_default(spec):
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=CODECS[spec["compression"]],
        is_transactional=spec.get("transactional", False),
        producer_id=spec.get("producer_id", -1),
        producer_epoch=spec.get("producer_epoch", -1),
        base_sequence=spec.get("base_sequence", -1),
        batch_size=1 << 30,
    )
    for i, record in enumerate(spec["records"]):
        headers = [(key, unb64(value)) for key, value in record.get("headers", [])]
        builder.append(i, record["timestamp"], unb64(record["key"]), unb64(record["value"]), headers)
    batch = builder.build()
    # The base offset is the broker's to assign and lies outside the CRC.
    struct.pack_into(">q", batch, 0, spec["base_offset"])
    return bytes(batch)


def build_legacy(spec):
    magic = spec["magic"]
    codec = CODECS[spec["compression"]]
    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=codec, batch_size=1 << 30)
    base = spec["base_offset"]
    count = len(spec["records"])
    for i, record in enumerate(spec["records"]):
        # Inside a magic 1 wrapper offsets are relative; elsewhere absolute.
        offset = i if (codec and magic == 1) else base + i
        builder.append(offset, record["timestamp"], unb64(record["key"]), unb64(record["value"]))
    out = builder.build()
    if codec:
        # kafka-python writes the wrapper with offset 0, as a producer would; a broker sets the
        # absolute offset of the last inner message (outside the CRC).
        struct.pack_into(">q", out, 0, base + count - 1)
    return bytes(out)


def build(spec):
    parts = []
    for batch in spec["batches"]:
        parts.append(build_default(batch) if batch["magic"] == 2 else build_legacy(batch))
    sys.stdout.buffer.write(b"".join(parts))


def read(data):
    records = MemoryRecords(data)
    batches = []
    while True:
        batch = records.next_batch()
        if batch is None:
            break
        magic = 2 if hasattr(batch, "base_offset") else batch._magic
        entry = {"magic": magic, "records": []}
        if magic == 2:
            entry.update(
                base_offset=batch.base_offset,
                compression=batch.compression_type,
                transactional=batch.is_transactional,
                control=batch.is_control_batch,
                timestamp_type=batch.timestamp_type,
                max_timestamp=batch.max_timestamp,
            )
        if not batch.validate_crc():
            sys.exit("CRC check failed at batch %d" % len(batches))
        for record in batch:
            entry["records"].append({
                "offset": record.offset,
                # kafka-python reports "no timestamp" (magic 0) as None; Kafka's value is -1.
                "timestamp": -1 if record.timestamp is None else record.timestamp,
                "key": b64(record.key),
                "value": b64(record.value),
                "headers": [[key, b64(value)] for key, value in record.headers],
            })
        batches.append(entry)
    json.dump(batches, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(json.load(sys.stdin))
    else:
        read(sys.stdin.buffer.read())
