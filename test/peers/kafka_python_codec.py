#!/usr/bin/python3
"""A kafka-python peer for kafkats's protocol tests.

Reads JSON requests, one per line, on stdin and answers each with one JSON line on stdout:

  {"op": "catalog"}
      -> {"ok": true, "catalog": [{"kind", "apiKey", "version", "name", "versionPrefix", "schema"}, ...]}
         every request/response class kafka-python's kafka.protocol defines (plus its request header
         and the consumer-protocol structures), with its schema as a tree of
         {"type": "int8"|"int16"|"int32"|"int64"|"bool"|"string"|"bytes"|"array"|"schema", ...}.
  {"op": "encode", "name": ..., "value": ...}  -> {"ok": true, "hex": ...}
  {"op": "decode", "name": ..., "hex": ...}    -> {"ok": true, "value": ...}

Values are positional (a schema is a list in field order). int64 values travel as {"$i64": "123"}
and bytes as {"$b": "hex"} so that JSON keeps them exact. Errors come back as {"ok": false, "error"}.
Run with /usr/bin/python3 (kafka-python 2.0.2 from Debian's python3-kafka).
"""
import inspect
import io
import json
import re
import sys

import kafka.protocol.admin
import kafka.protocol.commit
import kafka.protocol.fetch
import kafka.protocol.group
import kafka.protocol.metadata
import kafka.protocol.offset
import kafka.protocol.produce
from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata
from kafka.protocol.api import Request, RequestHeader, Response
from kafka.protocol.types import Array, Boolean, Bytes, Int8, Int16, Int32, Int64, Schema, String

MODULES = [
    kafka.protocol.admin,
    kafka.protocol.commit,
    kafka.protocol.fetch,
    kafka.protocol.group,
    kafka.protocol.metadata,
    kafka.protocol.offset,
    kafka.protocol.produce,
]

SIMPLE_TYPES = {Int8: 'int8', Int16: 'int16', Int32: 'int32', Int64: 'int64', Boolean: 'bool', Bytes: 'bytes'}


def describe(field_type):
    if isinstance(field_type, Schema):
        return {'type': 'schema', 'fields': [dict(name=name, **describe(t)) for name, t in zip(field_type.names, field_type.fields)]}
    if isinstance(field_type, Array):
        return {'type': 'array', 'of': describe(field_type.array_of)}
    if isinstance(field_type, String):
        return {'type': 'string'}
    if field_type is String:
        # kafka-python 2.0.2 declares FetchRequest v7-v11 forgotten_topics_data.topic as the String
        # class instead of an instance; encoding such a field fails. Reported so the test can say so.
        return {'type': 'string-class'}
    if inspect.isclass(field_type) and field_type in SIMPLE_TYPES:
        return {'type': SIMPLE_TYPES[field_type]}
    raise TypeError('unsupported kafka-python type %r' % (field_type,))


def build_catalog():
    """name -> (schema, entry), for every request/response class named <Api>Request_vN / <Api>Response_vN.

    Classes are found by name rather than through the per-API version lists, because two of those
    lists are wrong in kafka-python 2.0.2 (see `anomalies`)."""
    catalog = {}
    for module in MODULES:
        for class_name, cls in vars(module).items():
            match = re.match(r'^\w+(Request|Response)_v(\d+)$', class_name)
            if not (match and inspect.isclass(cls) and issubclass(cls, (Request, Response))):
                continue
            kind = 'request' if issubclass(cls, Request) else 'response'
            version = int(match.group(2))
            name = '%s:%d:%d' % (kind, cls.API_KEY, version)
            catalog[name] = (cls.SCHEMA, {
                'name': name, 'kind': kind, 'apiKey': cls.API_KEY, 'version': version,
                'declaredVersion': cls.API_VERSION, 'className': class_name, 'versionPrefix': False,
                'schema': describe(cls.SCHEMA),
            })
    # The request header kafka-python writes (v1: no tagged fields), and the consumer protocol
    # structures, which kafka-python writes with their version as a leading int16.
    extras = [
        ('RequestHeader', 1, RequestHeader.SCHEMA, False),
        ('ConsumerProtocolSubscription', 0, ConsumerProtocolMemberMetadata.SCHEMA, True),
        ('ConsumerProtocolAssignment', 0, ConsumerProtocolMemberAssignment.SCHEMA, True),
    ]
    for message, version, schema, prefix in extras:
        name = 'data:%s:%d' % (message, version)
        catalog[name] = (schema, {
            'name': name, 'kind': 'data', 'message': message, 'version': version, 'className': message,
            'versionPrefix': prefix, 'schema': describe(schema),
        })
    return catalog


def list_anomalies():
    """Entries of kafka-python's per-API version lists (e.g. ProduceRequest = [...]) that hold the wrong class."""
    found = []
    for module in MODULES:
        for list_name, value in vars(module).items():
            if not (isinstance(value, list) and re.match(r'^\w+(Request|Response)$', list_name)):
                continue
            for index, cls in enumerate(value):
                if not inspect.isclass(cls):
                    continue
                expected = '%s_v%d' % (list_name, index)
                if cls.__name__ != expected or cls.API_VERSION != index:
                    found.append('%s[%d] is %s (API_VERSION %d)' % (list_name, index, cls.__name__, cls.API_VERSION))
    return found


def from_json(value, field_type):
    if isinstance(field_type, Schema):
        if len(value) != len(field_type.fields):
            raise ValueError('expected %d fields, got %d' % (len(field_type.fields), len(value)))
        return tuple(from_json(v, t) for v, t in zip(value, field_type.fields))
    if value is None:
        return None
    if isinstance(field_type, Array):
        return [from_json(v, field_type.array_of) for v in value]
    if field_type is Int64:
        return int(value['$i64'])
    if field_type is Bytes:
        return bytes.fromhex(value['$b'])
    return value


def to_json(value, field_type):
    if isinstance(field_type, Schema):
        return [to_json(v, t) for v, t in zip(value, field_type.fields)]
    if value is None:
        return None
    if isinstance(field_type, Array):
        return [to_json(v, field_type.array_of) for v in value]
    if field_type is Int64:
        return {'$i64': str(value)}
    if field_type is Bytes:
        return {'$b': bytes(value).hex()}
    return value


def handle(request, catalog):
    op = request['op']
    if op == 'catalog':
        return {'ok': True, 'catalog': [entry for _, entry in catalog.values()], 'anomalies': list_anomalies()}
    schema, _ = catalog[request['name']]
    if op == 'encode':
        return {'ok': True, 'hex': schema.encode(from_json(request['value'], schema)).hex()}
    if op == 'decode':
        data = io.BytesIO(bytes.fromhex(request['hex']))
        value = schema.decode(data)
        left = len(data.read())
        return {'ok': True, 'value': to_json(value, schema), 'unread': left}
    raise ValueError('unknown op %r' % (op,))


def main():
    catalog = build_catalog()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line), catalog)
        except Exception as error:  # every failure is reported to the test, never a crash
            answer = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
