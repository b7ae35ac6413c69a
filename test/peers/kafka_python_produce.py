#!/usr/bin/python3
"""Produce records with kafka-python, as a test peer.

Usage:
  kafka_python_produce.py --bootstrap-servers HOST:PORT[,...] --topic TOPIC
                          [--config JSON] [--send-timeout-ms MS]

stdin:  a JSON list of records, each
          {"key": base64|null, "value": base64|null,
           "headers": [[name, base64], ...], "partition": int|null,
           "timestamp_ms": int|null}
stdout: a JSON list with one result per record, in input order:
          {"partition": int, "offset": int, "timestamp": int}
        or {"error": "ExceptionName: message"} when that send failed.

--config is a JSON object of KafkaProducer keyword arguments (a list given for
api_version becomes a tuple). All records are sent before any result is
awaited, so they may share batches. Exit status 0 means every result was
reported (some may be errors); 2 means bad input.
"""
import argparse
import base64
import json
import sys

from kafka import KafkaProducer


def decode(text):
    return None if text is None else base64.b64decode(text)


def producer_config(raw):
    config = json.loads(raw)
    if not isinstance(config, dict):
        raise ValueError("--config must be a JSON object")
    if isinstance(config.get("api_version"), list):
        config["api_version"] = tuple(config["api_version"])
    return config


def describe(error):
    return "%s: %s" % (type(error).__name__, error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--config", default="{}")
    parser.add_argument("--send-timeout-ms", type=int, default=30000)
    args = parser.parse_args()

    try:
        config = producer_config(args.config)
        records = json.load(sys.stdin)
        for index, record in enumerate(records):
            for name, value in record.get("headers") or []:
                if value is None:
                    raise ValueError(
                        "record %d: kafka-python cannot send a null header value (%s)"
                        % (index, name))
    except ValueError as error:
        print(describe(error), file=sys.stderr)
        return 2

    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap_servers.split(","), **config)
    try:
        futures = []
        for record in records:
            try:
                futures.append(producer.send(
                    args.topic,
                    key=decode(record.get("key")),
                    value=decode(record.get("value")),
                    headers=[(name, decode(value))
                             for name, value in record.get("headers") or []],
                    partition=record.get("partition"),
                    timestamp_ms=record.get("timestamp_ms")))
            except Exception as error:  # reported per record, like a failed future
                futures.append(error)

        results = []
        for future in futures:
            if isinstance(future, Exception):
                results.append({"error": describe(future)})
                continue
            try:
                metadata = future.get(timeout=args.send_timeout_ms / 1000.0)
                results.append({"partition": metadata.partition,
                                "offset": metadata.offset,
                                "timestamp": metadata.timestamp})
            except Exception as error:
                results.append({"error": describe(error)})
    finally:
        producer.close(timeout=5)

    json.dump(results, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
