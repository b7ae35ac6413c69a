import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writer, orderedUnknownTags } from '../../../../src/protocol/primitives/writer.js';
import { Reader } from '../../../../src/protocol/primitives/reader.js';
import { KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';

function bytes(write: (w: Writer) => void, capacity = 16): string {
  const w = new Writer(capacity);
  write(w);
  return w.finish().toString('hex');
}

const invalid = (write: (w: Writer) => void): void => {
  assert.throws(() => write(new Writer()), KafkaInvalidArgumentError);
};

describe('Writer fixed-size integers', () => {
  it('writes every integer type at its extremes', () => {
    assert.equal(bytes((w) => [-128, 127, -1, 0].forEach((v) => w.writeInt8(v))), '807fff00');
    assert.equal(bytes((w) => [0, 255].forEach((v) => w.writeUInt8(v))), '00ff');
    assert.equal(bytes((w) => [-32768, 32767, -1].forEach((v) => w.writeInt16(v))), '80007fffffff');
    assert.equal(bytes((w) => [0, 65535].forEach((v) => w.writeUInt16(v))), '0000ffff');
    assert.equal(bytes((w) => [-2147483648, 2147483647, -1].forEach((v) => w.writeInt32(v))), '800000007fffffffffffffff');
    assert.equal(bytes((w) => [0, 4294967295, 2147483648].forEach((v) => w.writeUInt32(v))), '00000000ffffffff80000000');
    assert.equal(
      bytes((w) => [-(2n ** 63n), 2n ** 63n - 1n, -1n].forEach((v) => w.writeInt64(v))),
      '80000000000000007fffffffffffffffffffffffffffffff',
    );
    assert.equal(bytes((w) => [false, true].forEach((v) => w.writeBool(v))), '0001');
    assert.equal(bytes((w) => w.writeFloat64(1.5)), '3ff8000000000000');
  });

  it('writes int64 from safe-integer numbers', () => {
    assert.equal(bytes((w) => w.writeInt64Number(Number.MAX_SAFE_INTEGER)), '001fffffffffffff');
    assert.equal(bytes((w) => w.writeInt64Number(Number.MIN_SAFE_INTEGER)), 'ffe0000000000001');
    assert.equal(bytes((w) => w.writeInt64Number(-1)), 'ffffffffffffffff');
    assert.equal(bytes((w) => w.writeInt64Number(4294967296)), '0000000100000000');
    invalid((w) => w.writeInt64Number(2 ** 53));
    invalid((w) => w.writeInt64Number(1.5));
  });

  it('refuses values the type cannot hold instead of truncating them', () => {
    invalid((w) => w.writeInt8(128));
    invalid((w) => w.writeInt8(-129));
    invalid((w) => w.writeUInt8(256));
    invalid((w) => w.writeInt16(32768));
    invalid((w) => w.writeUInt16(-1));
    invalid((w) => w.writeInt32(2 ** 31));
    invalid((w) => w.writeInt32(1.5));
    invalid((w) => w.writeInt32(Number.NaN));
    invalid((w) => w.writeInt32(null as unknown as number));
    invalid((w) => w.writeInt32('1' as unknown as number));
    invalid((w) => w.writeUInt32(2 ** 32));
    invalid((w) => w.writeUInt32(-1));
    invalid((w) => w.writeInt64(2n ** 63n));
    invalid((w) => w.writeInt64(-(2n ** 63n) - 1n));
    invalid((w) => w.writeInt64(1 as unknown as bigint));
    invalid((w) => w.writeBool(1 as unknown as boolean));
    invalid((w) => w.writeFloat64('1' as unknown as number));
  });
});

describe('Writer varints', () => {
  it('writes unsigned varints of 1 to 5 bytes', () => {
    assert.equal(bytes((w) => w.writeUVarint(0)), '00');
    assert.equal(bytes((w) => w.writeUVarint(127)), '7f');
    assert.equal(bytes((w) => w.writeUVarint(128)), '8001');
    assert.equal(bytes((w) => w.writeUVarint(2147483648)), '8080808008');
    assert.equal(bytes((w) => w.writeUVarint(4294967295)), 'ffffffff0f');
    invalid((w) => w.writeUVarint(-1));
    invalid((w) => w.writeUVarint(2 ** 32));
    invalid((w) => w.writeUVarint(0.5));
  });

  it('writes zigzag varints: 0, ±1, int32 min and max', () => {
    assert.equal(bytes((w) => [0, -1, 1, 300].forEach((v) => w.writeVarint(v))), '000102d804');
    assert.equal(bytes((w) => w.writeVarint(2147483647)), 'feffffff0f');
    assert.equal(bytes((w) => w.writeVarint(-2147483648)), 'ffffffff0f');
    invalid((w) => w.writeVarint(2 ** 31));
  });

  it('writes zigzag varlongs: 0, ±1, 2^53, int64 min and max', () => {
    assert.equal(bytes((w) => [0n, -1n, 1n].forEach((v) => w.writeVarlong(v))), '000102');
    assert.equal(bytes((w) => w.writeVarlong(2n ** 53n)), '8080808080808020');
    assert.equal(bytes((w) => w.writeVarlong(2n ** 63n - 1n)), 'feffffffffffffffff01');
    assert.equal(bytes((w) => w.writeVarlong(-(2n ** 63n))), 'ffffffffffffffffff01');
    invalid((w) => w.writeVarlong(2n ** 63n));
    invalid((w) => w.writeVarlong(5 as unknown as bigint));
  });

  it('writes number varlongs exactly like bigint varlongs, up to the safe limits', () => {
    const values = [0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31), 2 ** 47, 2 ** 52 - 1, 2 ** 52, -(2 ** 52), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const value of values) {
      assert.equal(bytes((w) => w.writeVarlongNumber(value)), bytes((w) => w.writeVarlong(BigInt(value))), String(value));
      const w = new Writer();
      w.writeVarlongNumber(value);
      assert.equal(new Reader(w.finish()).readVarlongNumber(), value);
    }
    invalid((w) => w.writeVarlongNumber(2 ** 53));
  });
});

describe('Writer strings and bytes', () => {
  const roundTrip = (write: (w: Writer, text: string) => void, read: (r: Reader) => string | null, text: string): void => {
    const w = new Writer(8);
    write(w, text);
    const r = new Reader(w.finish());
    assert.equal(read(r), text);
    assert.equal(r.remaining(), 0);
  };

  it('writes classic strings with an int16 byte length', () => {
    assert.equal(bytes((w) => w.writeString('abc')), '0003616263');
    assert.equal(bytes((w) => w.writeString('é')), '0002c3a9');
    assert.equal(bytes((w) => w.writeNullableString(null)), 'ffff');
    assert.equal(bytes((w) => w.writeString('')), '0000');
    for (const text of ['a'.repeat(64), 'a'.repeat(65), `${'a'.repeat(63)}é`, '日本語🎉', 'x'.repeat(32767)]) {
      roundTrip((w, t) => w.writeString(t), (r) => r.readString(), text);
    }
    invalid((w) => w.writeString('x'.repeat(32768)));
    invalid((w) => w.writeString('é'.repeat(16384)));
    invalid((w) => w.writeString(5 as unknown as string));
  });

  it('writes compact strings with a varint of length + 1, across the prefix-size boundaries', () => {
    assert.equal(bytes((w) => w.writeCompactString('abc')), '04616263');
    assert.equal(bytes((w) => w.writeCompactNullableString(null)), '00');
    assert.equal(bytes((w) => w.writeCompactString('')), '01');
    // 42 three-byte characters: 126 bytes, the longest string written in place after a 1-byte prefix.
    const widest = '語'.repeat(42);
    assert.equal(bytes((w) => w.writeCompactString(widest)).slice(0, 2), '7f');
    // 43 ASCII characters go through the measured path but still fit a 1-byte prefix.
    assert.equal(bytes((w) => w.writeCompactString('a'.repeat(43))).slice(0, 2), '2c');
    // 127 bytes need a 2-byte prefix (128 = 80 01).
    assert.equal(bytes((w) => w.writeCompactString('a'.repeat(127))).slice(0, 4), '8001');
    for (const text of [widest, '語'.repeat(43), 'a'.repeat(126), 'a'.repeat(127), '🎉'.repeat(50), 'b'.repeat(70000)]) {
      roundTrip((w, t) => w.writeCompactString(t), (r) => r.readCompactString(), text);
    }
    invalid((w) => w.writeCompactString(null as unknown as string));
  });

  it('writes bytes, nullable and compact', () => {
    const data = Buffer.from([1, 2, 3]);
    assert.equal(bytes((w) => w.writeBytes(data)), '00000003010203');
    assert.equal(bytes((w) => w.writeNullableBytes(null)), 'ffffffff');
    assert.equal(bytes((w) => w.writeCompactBytes(data)), '04010203');
    assert.equal(bytes((w) => w.writeCompactNullableBytes(null)), '00');
    assert.equal(bytes((w) => w.writeBytes(new Uint8Array([9]))), '0000000109');
    invalid((w) => w.writeBytes('abc' as unknown as Buffer));
    invalid((w) => w.writeRaw([1, 2] as unknown as Buffer));
  });

  it('writes array lengths, classic and compact', () => {
    assert.equal(bytes((w) => w.writeArrayLength(3)), '00000003');
    assert.equal(bytes((w) => w.writeArrayLength(null)), 'ffffffff');
    assert.equal(bytes((w) => w.writeCompactArrayLength(3)), '04');
    assert.equal(bytes((w) => w.writeCompactArrayLength(null)), '00');
  });
});

describe('Writer buffer management', () => {
  it('grows past its initial capacity and keeps what was written', () => {
    const w = new Writer(16);
    for (let i = 0; i < 1000; i++) w.writeInt32(i);
    const r = new Reader(w.finish());
    for (let i = 0; i < 1000; i++) assert.equal(r.readInt32(), i);
    assert.equal(w.finish().length, 4000);
  });

  it('reserves space to be patched later', () => {
    const w = new Writer(16);
    const at = w.reserve(4);
    w.writeString('hello');
    w.buffer.writeInt32BE(w.offset - at - 4, at);
    assert.equal(w.finish().toString('hex'), '000000070005' + Buffer.from('hello').toString('hex'));
  });
});

describe('Writer tagged fields', () => {
  it('fills in the size of a tagged field, moving the data when the size needs more bytes', () => {
    for (const size of [0, 1, 127, 128, 300, 16383, 16384, 20000]) {
      const w = new Writer(8);
      w.writeUInt8(0xee);
      const start = w.beginTaggedField(3);
      const data = Buffer.alloc(size, 0x5a);
      w.writeRaw(data);
      w.endTaggedField(start);
      w.writeUInt8(0xff);
      const r = new Reader(w.finish());
      assert.equal(r.readUInt8(), 0xee);
      assert.equal(r.readUVarint(), 3);
      assert.equal(r.readUVarint(), size);
      assert.deepEqual(r.readRaw(size), data);
      assert.equal(r.readUInt8(), 0xff);
      assert.equal(r.remaining(), 0);
    }
  });

  it('merges raw fields below a known tag, refusing one with the same tag', () => {
    const unknown = [
      { tag: 1, data: Buffer.from([0xa1]) },
      { tag: 4, data: Buffer.from([0xa4]) },
      { tag: 9, data: Buffer.from([0xa9]) },
    ];
    const w = new Writer();
    let index = w.writeUnknownTagsBefore(unknown, 0, 3);
    assert.equal(index, 1);
    index = w.writeUnknownTagsBefore(unknown, index, 5);
    assert.equal(index, 2);
    index = w.writeUnknownTagsBefore(unknown, index, Infinity);
    assert.equal(index, 3);
    assert.equal(w.finish().toString('hex'), '0101a10401a40901a9');
    assert.throws(() => new Writer().writeUnknownTagsBefore(unknown, 0, 4), KafkaInvalidArgumentError);
    assert.equal(new Writer().writeUnknownTagsBefore(undefined, 0, 4), 0);
  });

  it('writes a section of raw fields in tag order, refusing duplicates', () => {
    assert.equal(bytes((w) => w.writeUnknownTaggedFields(undefined)), '00');
    assert.equal(bytes((w) => w.writeUnknownTaggedFields([])), '00');
    const unsorted = [
      { tag: 7, data: Buffer.from([7]) },
      { tag: 2, data: Buffer.from([2, 2]) },
    ];
    assert.equal(bytes((w) => w.writeUnknownTaggedFields(unsorted)), '02' + '02020202' + '070107');
    assert.equal(unsorted[0]!.tag, 7, 'the caller array is not reordered');
    invalid((w) => w.writeUnknownTaggedFields([{ tag: 2, data: Buffer.alloc(0) }, { tag: 2, data: Buffer.alloc(0) }]));
    invalid((w) => w.writeUnknownTaggedFields([{ tag: 3, data: Buffer.alloc(0) }, { tag: 1, data: Buffer.alloc(0) }, { tag: 3, data: Buffer.alloc(0) }]));
  });

  it('checks raw fields given by callers', () => {
    assert.equal(orderedUnknownTags(undefined), undefined);
    assert.equal(orderedUnknownTags([]), undefined);
    const sorted = [{ tag: 1, data: Buffer.alloc(1) }];
    assert.equal(orderedUnknownTags(sorted), sorted);
    assert.throws(() => orderedUnknownTags([{ tag: -1, data: Buffer.alloc(0) }]), KafkaInvalidArgumentError);
    assert.throws(() => orderedUnknownTags([{ tag: 1.5, data: Buffer.alloc(0) }]), KafkaInvalidArgumentError);
    assert.throws(() => orderedUnknownTags([{ tag: 1, data: 'x' as unknown as Buffer }]), KafkaInvalidArgumentError);
  });

  it('keeps the merging writeTaggedFields of pre-encoded fields', () => {
    const known = [{ tag: 0, data: Buffer.from([1]) }, { tag: 5, data: Buffer.from([2]) }];
    const unknown = [{ tag: 3, data: Buffer.from([3]) }];
    assert.equal(bytes((w) => w.writeTaggedFields(known, unknown)), '03' + '000101' + '030103' + '050102');
    assert.equal(bytes((w) => w.writeTaggedFields(undefined, undefined)), '00');
  });
});
