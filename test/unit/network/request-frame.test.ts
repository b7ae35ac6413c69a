import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CORRELATION_ID_OFFSET,
  checkRequestArguments,
  encodeApiRequest,
  encodeClientId,
  encodeRawRequest,
  encodedProduceAcks,
} from '../../../src/network/request-frame.js';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { Echo, TinyProduce } from './test-apis.js';

describe('request frames', () => {
  it('encodes the client id as an int16-length string, null as -1', () => {
    assert.deepEqual(encodeClientId('ab'), Buffer.from([0, 2, 0x61, 0x62]));
    assert.deepEqual(encodeClientId(''), Buffer.from([0, 0]));
    assert.deepEqual(encodeClientId(null), Buffer.from([0xff, 0xff]));
    assert.deepEqual(encodeClientId('é'), Buffer.from([0, 2, 0xc3, 0xa9]));
  });

  it('lays out size, header v0/v1/v2 and body', () => {
    const clientId = encodeClientId('c');
    const body = (writer: { writeInt8(value: number): void }): void => writer.writeInt8(7);
    assert.deepEqual(encodeRawRequest(7, 0, 0, body, clientId), Buffer.from([0, 0, 0, 9, 0, 7, 0, 0, 0, 0, 0, 0, 7]));
    assert.deepEqual(encodeRawRequest(3, 12, 1, body, clientId), Buffer.from([0, 0, 0, 12, 0, 3, 0, 12, 0, 0, 0, 0, 0, 1, 0x63, 7]));
    assert.deepEqual(encodeRawRequest(18, 3, 2, body, clientId), Buffer.from([0, 0, 0, 13, 0, 18, 0, 3, 0, 0, 0, 0, 0, 1, 0x63, 0, 7]));
    assert.equal(CORRELATION_ID_OFFSET, 8);
  });

  it('encodes through a descriptor and reports encoder failures as KafkaInvalidArgumentError', () => {
    const frame = encodeApiRequest(Echo, 0, { value: 1, text: 'x' }, encodeClientId(null));
    assert.ok(Buffer.isBuffer(frame));
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    const failure = encodeApiRequest(Echo, 0, { value: 0x80000000, text: '' }, encodeClientId(null));
    assert.ok(failure instanceof KafkaInvalidArgumentError);
    assert.match(failure.message, /2147483648/);
    const thrown = encodeRawRequest(1, 0, 1, () => {
      throw new RangeError('offset out of range');
    }, encodeClientId(null));
    assert.ok(thrown instanceof KafkaInvalidArgumentError);
    assert.equal(thrown.message, 'cannot encode request with api key 1 v0: offset out of range');
    assert.ok(thrown.cause instanceof RangeError);
    const invalid = encodeRawRequest(1, 0, 1, (writer) => writer.writeInt16(70000), encodeClientId(null));
    assert.ok(invalid instanceof KafkaInvalidArgumentError);
    assert.match(invalid.message, /^cannot encode request with api key 1 v0: .*70000/);
  });

  it('checks api key, version and header version ranges', () => {
    assert.equal(checkRequestArguments(0, 0, 1), null);
    assert.ok(checkRequestArguments(-1, 0, 1) instanceof KafkaInvalidArgumentError);
    assert.ok(checkRequestArguments(0x8000, 0, 1) instanceof KafkaInvalidArgumentError);
    assert.ok(checkRequestArguments(0, 1.5, 1) instanceof KafkaInvalidArgumentError);
    assert.ok(checkRequestArguments(0, 0, 3) instanceof KafkaInvalidArgumentError);
  });

  it('reads acks back from encoded Produce requests of every layout', () => {
    const clientId = encodeClientId('client');
    for (let version = 0; version <= 11; version++) {
      for (const transactionalId of [null, '', 'a-transactional-id', 'x'.repeat(200)]) {
        for (const acks of [0, 1, -1]) {
          const frame = encodeApiRequest(TinyProduce, version, { transactionalId, acks, timeoutMs: 5 }, clientId);
          assert.ok(Buffer.isBuffer(frame));
          const headerVersion = TinyProduce.requestHeaderVersion(version);
          assert.equal(encodedProduceAcks(frame, version, headerVersion, clientId.length), acks, `v${version} ${String(transactionalId)} acks ${acks}`);
        }
      }
    }
  });
});
