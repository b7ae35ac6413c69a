#!/usr/bin/python3
"""Consume records with kafka-python, as a test peer.

Usage:
  kafka_python_consume.py --bootstrap-servers HOST:PORT[,...] --topic TOPIC
                          --count N [--partitions 0,1,...]
                          [--offset beginning|end|OFFSET]
                          [--poll-timeout-ms MS] [--config JSON]

With --partitions the consumer is assigned those partitions and starts at
--offset (default beginning). Without it, it subscribes to the topic as a
group member (give "group_id" in --config; "auto_offset_reset" defaults to
earliest for --offset beginning, latest for end).

stdout: a JSON list of the first N records received, each
          {"topic", "partition", "offset", "timestamp", "timestamp_type",
           "key": base64|null, "value": base64|null,
           "headers": [[name, base64|null], ...]}
Exit status 0 when N records arrived within --poll-timeout-ms; 3 (with the
records received so far on stdout) when they did not; 2 on bad input.
--config is a JSON object of KafkaConsumer keyword arguments (a list given
for api_version becomes a tuple).
"""
import argparse
import base64
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition


def encode(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def consumer_config(raw):
    config = json.loads(raw)
    if not isinstance(config, dict):
        raise ValueError("--config must be a JSON object")
    if isinstance(config.get("api_version"), list):
        config["api_version"] = tuple(config["api_version"])
    return config


def as_json(message):
    return {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "timestamp": message.timestamp,
        "timestamp_type": message.timestamp_type,
        "key": encode(message.key),
        "value": encode(message.value),
        "headers": [[name, encode(value)] for name, value in message.headers or []],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--partitions")
    parser.add_argument("--offset", default="beginning")
    parser.add_argument("--poll-timeout-ms", type=int, default=20000)
    parser.add_argument("--config", default="{}")
    args = parser.parse_args()

    try:
        config = consumer_config(args.config)
        if args.offset not in ("beginning", "end") and int(args.offset) < 0:
            raise ValueError("--offset must be beginning, end or >= 0")
        partitions = ([int(p) for p in args.partitions.split(",")]
                      if args.partitions else None)
    except ValueError as error:
        print("%s: %s" % (type(error).__name__, error), file=sys.stderr)
        return 2

    if partitions is None:
        config.setdefault("auto_offset_reset",
                          "latest" if args.offset == "end" else "earliest")
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap_servers.split(","), **config)
    records = []
    try:
        if partitions is None:
            consumer.subscribe([args.topic])
        else:
            assigned = [TopicPartition(args.topic, p) for p in partitions]
            consumer.assign(assigned)
            if args.offset == "beginning":
                consumer.seek_to_beginning(*assigned)
            elif args.offset == "end":
                consumer.seek_to_end(*assigned)
            else:
                for tp in assigned:
                    consumer.seek(tp, int(args.offset))

        deadline = time.monotonic() + args.poll_timeout_ms / 1000.0
        while len(records) < args.count:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                break
            batches = consumer.poll(timeout_ms=min(remaining_ms, 500),
                                    max_records=args.count - len(records))
            for messages in batches.values():
                records.extend(as_json(message) for message in messages)
    finally:
        consumer.close()

    json.dump(records[:args.count], sys.stdout)
    sys.stdout.write("\n")
    if len(records) < args.count:
        print("received %d of %d records within %d ms"
              % (len(records), args.count, args.poll_timeout_ms), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
