import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZERO_UUID, uuidFromBytes, writeUuidBytes } from '../../../../src/protocol/primitives/uuid.js';
import { Reader } from '../../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../../src/protocol/primitives/writer.js';
import { KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';

function toBytes(uuid: string): Buffer {
  const out = Buffer.alloc(16);
  writeUuidBytes(uuid, out, 0);
  return out;
}

describe('UUIDs', () => {
  it('ZERO_UUID is sixteen zero bytes', () => {
    assert.deepEqual(toBytes(ZERO_UUID), Buffer.alloc(16));
    assert.equal(uuidFromBytes(Buffer.alloc(16), 0), ZERO_UUID);
  });

  it("converts Kafka's base64url text form both ways, for many random ids", () => {
    let state = 12345;
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        bytes[i] = state >>> 24;
      }
      const text = uuidFromBytes(bytes, 0);
      assert.equal(text, bytes.toString('base64url'));
      assert.equal(text.length, 22);
      assert.deepEqual(toBytes(text), bytes);
    }
  });

  it('reads a UUID at an offset and writes it at an offset', () => {
    const frame = Buffer.concat([Buffer.from([0xaa]), Buffer.alloc(16, 0xff), Buffer.from([0xbb])]);
    const reader = new Reader(frame);
    reader.readUInt8();
    assert.equal(reader.readUuid(), '_____________________w');
    assert.equal(reader.readUInt8(), 0xbb);
    const writer = new Writer();
    writer.writeUInt8(1);
    writer.writeUuid('_____________________w');
    assert.deepEqual(writer.finish(), Buffer.concat([Buffer.from([1]), Buffer.alloc(16, 0xff)]));
  });

  it('accepts the hex form, with or without dashes', () => {
    const expected = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    assert.deepEqual(toBytes('01234567-89ab-cdef-0123-456789abcdef'), expected);
    assert.deepEqual(toBytes('0123456789ABCDEF0123456789ABCDEF'), expected);
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'AAAAAAAAAAAAAAAAAAAAA',
      'AAAAAAAAAAAAAAAAAAAAAAA',
      'AAAAAAAAAAAAAAAAAAAA+A',
      'AAAAAAAAAAAAAAAAAAAA/A',
      'AAAAAAAAAAAAAAAAAAAAA=',
      // The last character carries only 2 bits: 'B' sets a bit beyond the 16 bytes.
      'AAAAAAAAAAAAAAAAAAAAAB',
      'AAAAAAAAAAAAAAAAAAAAAé',
      '0123456789abcdef0123456789abcdeg',
      '01234567-89ab-cdef-0123-456789abcde',
    ]) {
      assert.throws(() => toBytes(bad), KafkaInvalidArgumentError, bad);
    }
    assert.throws(() => toBytes(null as unknown as string), KafkaInvalidArgumentError);
    assert.throws(() => toBytes(42 as unknown as string), KafkaInvalidArgumentError);
  });
});
