/**
 * The rules of the generated codecs, one by one, with exact bytes: version checks, fields missing
 * from a version, nulls, defaults, nullable structs, tagged fields (known, unknown, merged, large),
 * header versions and the API tables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_BY_KEY,
  ApiKey,
  ApiVersions,
  DescribeTopicPartitions,
  Fetch,
  FetchSnapshot,
  KafkaDecodeError,
  KafkaInvalidArgumentError,
  KafkaUnsupportedVersionError,
  Metadata,
  Produce,
  Reader,
  RequestHeader,
  ResponseHeader,
  Writer,
  type ApiDescriptor,
  type Input,
} from '../../../src/protocol/index.js';
import { inRange, loadSpecMessages } from './spec-values.js';

function encodeRequest<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, value: Input<Req>): Buffer {
  const writer = new Writer(16);
  api.encodeRequest(writer, version, value);
  return Buffer.from(writer.finish());
}

function encodeResponse<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, value: Input<Res>): Buffer {
  const writer = new Writer(16);
  api.encodeResponse(writer, version, value);
  return Buffer.from(writer.finish());
}

function hex(text: string): Buffer {
  return Buffer.from(text.replaceAll(/\s+/g, ''), 'hex');
}

describe('versions', () => {
  it('every codec refuses versions outside its range, in both directions', () => {
    for (const api of API_BY_KEY.values()) {
      for (const version of [api.minVersion - 1, api.maxVersion + 1, 0.5]) {
        assert.throws(() => api.encodeRequest(new Writer(), version, {}), KafkaUnsupportedVersionError);
        assert.throws(() => api.encodeResponse(new Writer(), version, {}), KafkaUnsupportedVersionError);
        assert.throws(() => api.decodeRequest(new Reader(Buffer.alloc(64)), version), KafkaUnsupportedVersionError);
        assert.throws(() => api.decodeResponse(new Reader(Buffer.alloc(64)), version), KafkaUnsupportedVersionError);
      }
    }
  });

  it('header versions follow the flexible versions, with the ControlledShutdown and ApiVersions exceptions', () => {
    const requests = loadSpecMessages().filter((m) => m.type === 'request');
    assert.equal(requests.length, API_BY_KEY.size);
    for (const spec of requests) {
      const api = API_BY_KEY.get(spec.apiKey!)!;
      assert.equal(api.name, spec.apiName);
      assert.equal(api.minVersion, spec.validVersions.lo);
      assert.equal(api.maxVersion, spec.validVersions.hi);
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const flexible = inRange(spec.flexibleVersions, v);
        const request = spec.apiName === 'ControlledShutdown' && v === 0 ? 0 : flexible ? 2 : 1;
        const response = spec.apiName === 'ApiVersions' ? 0 : flexible ? 1 : 0;
        assert.equal(api.requestHeaderVersion(v), request, `${api.name} v${v} request header`);
        assert.equal(api.responseHeaderVersion(v), response, `${api.name} v${v} response header`);
      }
    }
  });

  it('ApiKey and API_BY_KEY agree for all 88 APIs', () => {
    assert.equal(API_BY_KEY.size, 88);
    assert.equal(Object.keys(ApiKey).length, 88);
    for (const [name, key] of Object.entries(ApiKey)) assert.equal(API_BY_KEY.get(key)?.name, name);
    assert.equal(ApiKey.Produce, 0);
    assert.equal(ApiKey.Fetch, 1);
    assert.equal(ApiKey.ApiVersions, 18);
    assert.equal(Produce.firstFlexibleVersion, 9);
    assert.deepEqual(Produce.deprecatedVersions, [0, 6]);
    assert.equal(Produce.latestVersionUnstable, false);
    assert.deepEqual(Produce.listeners, ['zkBroker', 'broker']);
  });
});

describe('fields missing from a version', () => {
  it('a non-default, non-ignorable field throws KafkaUnsupportedVersionError naming it', () => {
    assert.throws(
      () => encodeRequest(Produce, 2, { transactionalId: 'tx' }),
      (error: unknown) =>
        error instanceof KafkaUnsupportedVersionError &&
        error.message.includes('ProduceRequest v2') &&
        error.message.includes('transactionalId') &&
        error.message.includes('3+'),
    );
    assert.throws(() => encodeResponse(Fetch, 10, { responses: [{ partitions: [{ preferredReadReplica: 3 }] }] }), KafkaUnsupportedVersionError);
  });

  it('a field holding its default is left out silently', () => {
    const plain = encodeRequest(Produce, 2, { acks: 1 });
    assert.deepEqual(encodeRequest(Produce, 2, { acks: 1, transactionalId: null }), plain);
    assert.deepEqual(encodeResponse(Fetch, 10, { responses: [{ partitions: [{ preferredReadReplica: -1 }] }] }), encodeResponse(Fetch, 10, { responses: [{ partitions: [{}] }] }));
  });

  it('an ignorable field is dropped whatever it holds', () => {
    // FetchResponse.ThrottleTimeMs is ignorable and exists from v1.
    const bytes = encodeResponse(Fetch, 0, { throttleTimeMs: 250, responses: [] });
    assert.deepEqual(bytes, hex('00000000'));
    assert.equal(Fetch.decodeResponse(new Reader(bytes), 0).throttleTimeMs, 0);
  });

  it('a non-default tagged field in a version without it throws', () => {
    // ProduceResponse.NodeEndpoints is tagged from v10; v9 is flexible but lacks it.
    assert.throws(() => encodeResponse(Produce, 9, { nodeEndpoints: [{ nodeId: 1, host: 'h', port: 1 }] }), KafkaUnsupportedVersionError);
    // ... and so does v8, which has no tagged fields at all.
    assert.throws(() => encodeResponse(Produce, 8, { nodeEndpoints: [{ nodeId: 1, host: 'h', port: 1 }] }), KafkaUnsupportedVersionError);
    assert.deepEqual(encodeResponse(Produce, 9, { nodeEndpoints: [] }), encodeResponse(Produce, 9, {}));
  });

  it('unknown tagged fields cannot be written in a version without tagged fields', () => {
    assert.throws(() => encodeRequest(Produce, 8, { unknownTaggedFields: [{ tag: 1, data: Buffer.from([1]) }] }), KafkaUnsupportedVersionError);
  });
});

describe('nulls and defaults', () => {
  it('null for a field that is not nullable in the version throws KafkaInvalidArgumentError naming it', () => {
    // MetadataRequest.Topics is nullable from v1 only.
    assert.throws(
      () => encodeRequest(Metadata, 0, { topics: null }),
      (error: unknown) => error instanceof KafkaInvalidArgumentError && error.message.includes('MetadataRequest.topics'),
    );
    assert.deepEqual(encodeRequest(Metadata, 1, { topics: null }), hex('ffffffff'));
    assert.equal(Metadata.decodeRequest(new Reader(hex('ffffffff')), 1).topics, null);
  });

  it('a decoded null where the version forbids it is a KafkaDecodeError', () => {
    assert.throws(() => Metadata.decodeRequest(new Reader(hex('ffffffff')), 0), KafkaDecodeError);
  });

  it('missing fields take the spec default, null where nullable in that version', () => {
    assert.deepEqual(Metadata.decodeRequest(new Reader(encodeRequest(Metadata, 0, {})), 0).topics, []);
    assert.deepEqual(encodeRequest(Metadata, 1, {}), hex('ffffffff'));
    // FetchSnapshotRequest.MaxBytes defaults to the spec's hex value 0x7fffffff.
    const snapshot = FetchSnapshot.decodeRequest(new Reader(encodeRequest(FetchSnapshot, 0, {})), 0);
    assert.equal(snapshot.maxBytes, 0x7fffffff);
    assert.equal(snapshot.clusterId, null);
    const partition = Fetch.decodeResponse(new Reader(encodeResponse(Fetch, 12, { responses: [{ partitions: [{}] }] })), 12)
      .responses[0]!.partitions[0]!;
    assert.equal(partition.lastStableOffset, -1n);
    assert.equal(partition.preferredReadReplica, -1);
    assert.equal(partition.records, null);
    assert.deepEqual(partition.currentLeader, { leaderId: -1, leaderEpoch: -1 });
  });

  it('nullable structs carry a presence byte', () => {
    assert.deepEqual(encodeRequest(DescribeTopicPartitions, 0, { topics: [], responsePartitionLimit: 5 }), hex('01 00000005 ff 00'));
    const withCursor = encodeRequest(DescribeTopicPartitions, 0, { topics: [], responsePartitionLimit: 5, cursor: { topicName: 't', partitionIndex: 2 } });
    assert.deepEqual(withCursor, hex('01 00000005 01 0274 00000002 00 00'));
    assert.deepEqual(DescribeTopicPartitions.decodeRequest(new Reader(withCursor), 0).cursor, { topicName: 't', partitionIndex: 2 });
  });
});

describe('tagged fields', () => {
  it('a known tagged field is written only when it differs from its default', () => {
    const base = { responses: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partitionIndex: 0 }] }] };
    const plain = encodeResponse(Fetch, 13, base);
    const withLeader = encodeResponse(Fetch, 13, { responses: [{ ...base.responses[0], partitions: [{ partitionIndex: 0, currentLeader: { leaderId: 4, leaderEpoch: 9 } }] }] });
    // Tag 1 (CurrentLeader), size 9: leaderId, leaderEpoch, its own empty tag section.
    const tagged = hex('01 01 09 00000004 00000009 00');
    assert.equal(withLeader.length, plain.length + tagged.length - 1);
    assert.ok(withLeader.includes(tagged));
    assert.deepEqual(encodeResponse(Fetch, 13, { responses: [{ ...base.responses[0], partitions: [{ partitionIndex: 0, currentLeader: { leaderId: -1 } }] }] }), plain);
  });

  it('unknown tags are merged with known ones in tag order, sorted when given out of order', () => {
    const value = {
      responses: [
        {
          partitionResponses: [
            {
              currentLeader: { leaderId: 1, leaderEpoch: 2 },
              unknownTaggedFields: [
                { tag: 7, data: Buffer.from([0xaa]) },
                { tag: 3, data: Buffer.from([0xbb, 0xcc]) },
              ],
            },
          ],
        },
      ],
    };
    const bytes = encodeResponse(Produce, 10, value);
    // ... partition fields, then the section: 3 fields, tag 0 (CurrentLeader, known), tag 3, tag 7.
    const section = hex('03 00 09 00000001 00000002 00 03 02 bbcc 07 01 aa');
    assert.ok(bytes.includes(section), bytes.toString('hex'));
    const decoded = Produce.decodeResponse(new Reader(bytes), 10).responses[0]!.partitionResponses[0]!;
    assert.deepEqual(decoded.currentLeader, { leaderId: 1, leaderEpoch: 2 });
    assert.deepEqual(decoded.unknownTaggedFields, [
      { tag: 3, data: Buffer.from([0xbb, 0xcc]) },
      { tag: 7, data: Buffer.from([0xaa]) },
    ]);
  });

  it('an unknown tag that collides with a known tag, or a duplicate, is refused', () => {
    const collide = { responses: [{ partitionResponses: [{ unknownTaggedFields: [{ tag: 0, data: Buffer.from([1]) }] }] }] };
    assert.throws(() => encodeResponse(Produce, 10, collide), KafkaInvalidArgumentError);
    const duplicate = { unknownTaggedFields: [{ tag: 5, data: Buffer.alloc(0) }, { tag: 5, data: Buffer.alloc(0) }] };
    assert.throws(() => encodeResponse(Produce, 9, duplicate), KafkaInvalidArgumentError);
  });

  it('a tagged field larger than 127 bytes gets a two-byte size', () => {
    const host = 'h'.repeat(200);
    const bytes = encodeResponse(Fetch, 16, { responses: [], nodeEndpoints: [{ nodeId: 1, host, port: 9092, rack: null }] });
    // Data: array length 2, nodeId 4, host 1+1+200 (two-byte compact length 201), port 4, rack 1, tags 1.
    const size = 1 + 4 + 2 + 200 + 4 + 1 + 1;
    assert.ok(bytes.includes(Buffer.from([0x01, 0x00, (size & 0x7f) | 0x80, size >> 7])));
    assert.deepEqual(Fetch.decodeResponse(new Reader(bytes), 16).nodeEndpoints, [{ nodeId: 1, host, port: 9092, rack: null }]);
  });

  it('tags out of order or a known tagged field of the wrong size fail to decode', () => {
    // ResponseHeader v1: correlation id then tags 5 and 2 (out of order).
    assert.throws(() => ResponseHeader.decode(new Reader(hex('00000001 02 05 00 02 00')), 1), KafkaDecodeError);
    // FetchSnapshotRequest v0 with ClusterId (tag 0) declared as 3 bytes but holding a 1-byte null.
    const good = encodeRequest(FetchSnapshot, 0, { clusterId: null });
    const bad = Buffer.concat([good.subarray(0, good.length - 1), hex('01 00 03 00 00 00')]);
    assert.throws(() => FetchSnapshot.decodeRequest(new Reader(bad), 0), KafkaDecodeError);
  });
});

describe('golden bytes', () => {
  it('headers', () => {
    const w1 = new Writer();
    RequestHeader.encode(w1, 1, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'ab' });
    assert.deepEqual(w1.finish(), hex('0012 0003 00000001 0002 6162'));
    const w2 = new Writer();
    // The client id keeps its int16 length in the flexible header v2.
    RequestHeader.encode(w2, 2, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'ab' });
    assert.deepEqual(w2.finish(), hex('0012 0003 00000001 0002 6162 00'));
    const w3 = new Writer();
    RequestHeader.encode(w3, 0, { requestApiKey: 7, requestApiVersion: 0, correlationId: 9 });
    assert.deepEqual(w3.finish(), hex('0007 0000 00000009'));
  });

  it('ApiVersions, Metadata and Produce requests', () => {
    assert.deepEqual(encodeRequest(ApiVersions, 3, { clientSoftwareName: 'kafkats', clientSoftwareVersion: '1.0' }), hex('08 6b61666b617473 04 312e30 00'));
    assert.deepEqual(encodeRequest(ApiVersions, 0, {}), Buffer.alloc(0));
    assert.deepEqual(encodeRequest(Metadata, 0, { topics: [{ name: 't' }] }), hex('00000001 0001 74'));
    assert.deepEqual(
      encodeRequest(Produce, 3, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 2, records: hex('abcd') }] }] }),
      hex('ffff ffff 000003e8 00000001 0001 74 00000001 00000002 00000002 abcd'),
    );
    assert.deepEqual(
      encodeRequest(Produce, 9, { acks: 1, timeoutMs: 5, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }] }),
      hex('00 0001 00000005 02 0274 02 00000000 00 00 00 00'),
    );
  });

  it('decoders leave bytes after the message unread', () => {
    const bytes = Buffer.concat([hex('00000001 0001 74'), hex('deadbeef')]);
    const reader = new Reader(bytes);
    assert.deepEqual(Metadata.decodeRequest(reader, 0).topics, [{ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }]);
    assert.equal(reader.offset, 7);
  });

  it('decode errors name the message and version', () => {
    assert.throws(
      () => Produce.decodeResponse(new Reader(hex('00000005')), 2),
      (error: unknown) => error instanceof KafkaDecodeError && error.message.startsWith('ProduceResponse v2:') && error.cause === undefined,
    );
  });

  it('input of the wrong shape becomes KafkaInvalidArgumentError', () => {
    assert.throws(() => encodeRequest(Produce, 3, { topicData: 5 } as never), KafkaInvalidArgumentError);
    assert.throws(() => encodeRequest(Produce, 3, { acks: 'one' } as never), KafkaInvalidArgumentError);
    assert.throws(() => encodeRequest(Produce, 3, { topicData: [null] } as never), KafkaInvalidArgumentError);
    assert.throws(() => encodeRequest(Fetch, 13, { topics: [{ topicId: 'not-a-uuid' }] }), KafkaInvalidArgumentError);
  });
});
