import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { ApiVersions, type ApiVersionsResponse } from '../../../../src/protocol/generated/api-versions.js';
import { Produce } from '../../../../src/protocol/generated/produce.js';
import { Reader } from '../../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../../src/protocol/primitives/writer.js';
import { RawClient } from '../raw-client.js';

/** What a 4.0 broker advertises for the APIs the embedded broker implements, capped by its codecs. */
const KAFKA_4_0: Array<[number, number, number]> = [
  [0, 0, 11],
  [1, 4, 17],
  [2, 1, 10],
  [3, 0, 12],
  [8, 2, 9],
  [9, 1, 9],
  [10, 0, 6],
  [11, 2, 9],
  [12, 0, 4],
  [13, 0, 5],
  [14, 0, 5],
  [15, 0, 5],
  [16, 0, 5],
  [18, 0, 4],
  [19, 2, 7],
  [20, 1, 6],
  [21, 0, 2],
  [22, 0, 5],
  [23, 2, 4],
  [29, 1, 3],
  [30, 1, 3],
  [31, 1, 3],
  [42, 0, 2],
  [47, 0, 0],
  [60, 0, 1],
];

/** What a 2.1 broker advertised for the same APIs (OffsetDelete and DescribeCluster came later). */
const KAFKA_2_1: Array<[number, number, number]> = [
  [0, 0, 7],
  [1, 0, 10],
  [2, 0, 4],
  [3, 0, 7],
  [8, 0, 6],
  [9, 0, 5],
  [10, 0, 2],
  [11, 0, 3],
  [12, 0, 2],
  [13, 0, 2],
  [14, 0, 2],
  [15, 0, 2],
  [16, 0, 2],
  [18, 0, 2],
  [19, 0, 3],
  [20, 0, 3],
  [21, 0, 1],
  [22, 0, 1],
  [23, 0, 2],
  [29, 0, 1],
  [30, 0, 1],
  [31, 0, 1],
  [42, 0, 1],
];

function ranges(response: ApiVersionsResponse): Array<[number, number, number]> {
  return response.apiKeys.map((entry) => [entry.apiKey, entry.minVersion, entry.maxVersion]);
}

/** Sends ApiVersions of a version the codecs do not know: header v2, empty tagged body. */
function futureApiVersionsFrame(version: number, correlationId: number): Buffer {
  const writer = new Writer();
  writer.reserve(4);
  writer.writeInt16(18);
  writer.writeInt16(version);
  writer.writeInt32(correlationId);
  writer.writeString('future-client');
  writer.writeUVarint(0);
  writer.writeUVarint(1);
  writer.writeUVarint(1);
  writer.writeUVarint(0);
  const frame = Buffer.from(writer.finish());
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

describe('ApiVersions', () => {
  let cluster: MockCluster;
  let legacy: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 1 });
    legacy = await MockCluster.start({ brokers: 1, asVersion: '2.1' });
  });
  after(async () => {
    await cluster.stop();
    await legacy.stop();
  });

  it('lists the ranges of Kafka 4.0 in every version', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    for (const version of [0, 1, 2, 3, 4]) {
      const request = version >= 3 ? { clientSoftwareName: 'raw-client', clientSoftwareVersion: '1.0' } : {};
      const response = await client.send(ApiVersions, version, request);
      assert.equal(response.errorCode, 0, `v${version}`);
      assert.deepEqual(ranges(response), KAFKA_4_0, `v${version}`);
      assert.equal(response.throttleTimeMs, 0);
    }
    await client.close();
  });

  it('answers a version it does not know with UNSUPPORTED_VERSION in version 0, listing its own range', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    const answer = await client.sendRaw(futureApiVersionsFrame(9, 77), 77);
    const reader = new Reader(answer.frame, 4);
    const response = ApiVersions.decodeResponse(reader, 0);
    assert.equal(reader.remaining(), 0);
    assert.equal(response.errorCode, 35);
    assert.deepEqual(ranges(response), [[18, 0, 4]]);
    // The connection stays usable: the client retries with a version both know.
    const retried = await client.send(ApiVersions, 3, { clientSoftwareName: 'raw-client', clientSoftwareVersion: '1.0' });
    assert.equal(retried.errorCode, 0);
    await client.close();
  });

  it('behaves as 2.1 with asVersion: its ranges, and no range in the UNSUPPORTED_VERSION answer (before KIP-511)', async () => {
    const client = await RawClient.connect(legacy.brokers[0]!.port);
    const response = await client.send(ApiVersions, 2, {});
    assert.deepEqual(ranges(response), KAFKA_2_1);
    const answer = await client.sendRaw(RawClient.encode(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 5), 5);
    const unsupported = ApiVersions.decodeResponse(new Reader(answer.frame, 4), 0);
    assert.equal(unsupported.errorCode, 35);
    assert.deepEqual(unsupported.apiKeys, []);
    await client.close();
  });

  it('refuses client software names that break KIP-511 rules with INVALID_REQUEST', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    for (const [name, version] of [
      ['bad name', '1.0'],
      ['-leading-dash', '1.0'],
      ['ok', 'trailing.'],
      ['', '1.0'],
    ]) {
      const response = await client.send(ApiVersions, 3, { clientSoftwareName: name, clientSoftwareVersion: version });
      assert.equal(response.errorCode, 42, `${name}/${version}`);
      assert.deepEqual(response.apiKeys, []);
    }
    await client.close();
  });

  it('advertises what setApiVersion narrows to, and stops advertising a removed key', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    await cluster.setApiVersion(3, 4, 9);
    await cluster.setApiVersion(47, -1, -1);
    try {
      const response = await client.send(ApiVersions, 3, { clientSoftwareName: 'raw-client', clientSoftwareVersion: '1' });
      const expected = KAFKA_4_0.filter(([key]) => key !== 47).map(([key, min, max]): [number, number, number] => (key === 3 ? [3, 4, 9] : [key, min, max]));
      assert.deepEqual(ranges(response), expected);
      assert.deepEqual((await cluster.apiVersions()).get(3), { min: 4, max: 9 });
      await assert.rejects(cluster.setApiVersion(3, 0, 13), /outside the implemented 0\.\.12/);
      await assert.rejects(cluster.setApiVersion(68, 0, 0), /no handler for API key 68/);
    } finally {
      await cluster.setApiVersion(3, 0, 12);
      await cluster.setApiVersion(47, 0, 0);
    }
    await client.close();
  });

  it('answers a pushed error code in the error field', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    await cluster.pushRequestErrors(18, [35]);
    const response = await client.send(ApiVersions, 2, {});
    assert.equal(response.errorCode, 35);
    assert.deepEqual(response.apiKeys, []);
    assert.equal((await client.send(ApiVersions, 2, {})).errorCode, 0);
    await client.close();
  });

  it('closes the connection for Produce v2, which 4.0 advertises but refuses', async () => {
    const client = await RawClient.connect(cluster.brokers[0]!.port);
    await assert.rejects(client.send(Produce, 2, { acks: 1, timeoutMs: 1000, topicData: [] }), /connection closed/);
    await client.closed;
    await client.close();
  });
});
