import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../../../src/protocol/primitives/reader.js';
import { KafkaDecodeError, KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';

function reader(hex: string): Reader {
  return new Reader(Buffer.from(hex.replaceAll(/\s+/g, ''), 'hex'));
}

/** Reads one value and checks that exactly the whole input was consumed. */
function readAll<T>(hex: string, read: (r: Reader) => T): T {
  const r = reader(hex);
  const value = read(r);
  assert.equal(r.remaining(), 0, `unread bytes after ${hex}`);
  return value;
}

const decodeError = (r: Reader, read: (r: Reader) => unknown): void => {
  assert.throws(() => read(r), KafkaDecodeError);
};

/**
 * A buffer whose allocating methods are recorded: passing it to a Reader shows whether a read
 * allocated anything (a view, a string) before refusing a length.
 */
function trappedBuffer(bytes: Buffer): { buffer: Buffer; allocations: string[] } {
  const allocations: string[] = [];
  const buffer = Buffer.from(bytes);
  const trap = Object.create(Buffer.prototype) as Record<string, unknown>;
  for (const method of ['subarray', 'slice', 'toString']) {
    const original = (Buffer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
    trap[method] = function (this: Buffer, ...args: unknown[]) {
      allocations.push(method);
      return original.apply(this, args);
    };
  }
  Object.setPrototypeOf(buffer, trap);
  return { buffer, allocations };
}

describe('Reader fixed-size integers', () => {
  it('reads int8, int16, int32, uint16, uint32 and int64 at their extremes', () => {
    assert.deepEqual(readAll('80 7f ff 00', (r) => [r.readInt8(), r.readInt8(), r.readInt8(), r.readInt8()]), [-128, 127, -1, 0]);
    assert.deepEqual(readAll('ff', (r) => r.readUInt8()), 255);
    assert.deepEqual(readAll('8000 7fff ffff', (r) => [r.readInt16(), r.readInt16(), r.readInt16()]), [-32768, 32767, -1]);
    assert.deepEqual(readAll('ffff 0000', (r) => [r.readUInt16(), r.readUInt16()]), [65535, 0]);
    assert.deepEqual(readAll('80000000 7fffffff ffffffff', (r) => [r.readInt32(), r.readInt32(), r.readInt32()]), [-2147483648, 2147483647, -1]);
    assert.deepEqual(readAll('ffffffff 80000000', (r) => [r.readUInt32(), r.readUInt32()]), [4294967295, 2147483648]);
    assert.deepEqual(
      readAll('8000000000000000 7fffffffffffffff ffffffffffffffff 0020000000000000', (r) => [r.readInt64(), r.readInt64(), r.readInt64(), r.readInt64()]),
      [-(2n ** 63n), 2n ** 63n - 1n, -1n, 2n ** 53n],
    );
  });

  it('reads bool and float64', () => {
    assert.deepEqual(readAll('00 01 02', (r) => [r.readBool(), r.readBool(), r.readBool()]), [false, true, true]);
    assert.equal(readAll('3ff8000000000000', (r) => r.readFloat64()), 1.5);
    assert.ok(Number.isNaN(readAll('7ff8000000000000', (r) => r.readFloat64())));
    assert.ok(Object.is(readAll('8000000000000000', (r) => r.readFloat64()), -0));
  });

  it('reads int64 as a number only inside the safe-integer range', () => {
    assert.equal(readAll('001fffffffffffff', (r) => r.readInt64Number()), Number.MAX_SAFE_INTEGER);
    assert.equal(readAll('ffe0000000000001', (r) => r.readInt64Number()), Number.MIN_SAFE_INTEGER);
    assert.equal(readAll('ffffffffffffffff', (r) => r.readInt64Number()), -1);
    decodeError(reader('0020000000000000'), (r) => r.readInt64Number());
    decodeError(reader('ffe0000000000000'), (r) => r.readInt64Number());
    decodeError(reader('8000000000000000'), (r) => r.readInt64Number());
  });

  it('refuses truncated input for every fixed-size read', () => {
    for (const [bytes, read] of [
      ['', (r: Reader) => r.readInt8()],
      ['', (r: Reader) => r.readBool()],
      ['00', (r: Reader) => r.readInt16()],
      ['00', (r: Reader) => r.readUInt16()],
      ['000000', (r: Reader) => r.readInt32()],
      ['000000', (r: Reader) => r.readUInt32()],
      ['00000000000000', (r: Reader) => r.readInt64()],
      ['00000000000000', (r: Reader) => r.readInt64Number()],
      ['00000000000000', (r: Reader) => r.readFloat64()],
      ['000000000000000000000000000000', (r: Reader) => r.readUuid()],
    ] as const) {
      const r = reader(bytes);
      decodeError(r, read);
      assert.equal(r.offset, 0, 'a failed read does not move the reader');
    }
  });

  it('never reads past `end`, even when the buffer goes on', () => {
    const r = new Reader(Buffer.from('00000001ff', 'hex'), 0, 4);
    assert.equal(r.readInt32(), 1);
    decodeError(r, (x) => x.readInt8());
  });

  it('refuses bounds outside the buffer', () => {
    assert.throws(() => new Reader(Buffer.alloc(4), 2, 5), KafkaInvalidArgumentError);
    assert.throws(() => new Reader(Buffer.alloc(4), 3, 2), KafkaInvalidArgumentError);
    assert.throws(() => new Reader(Buffer.alloc(4), -1), KafkaInvalidArgumentError);
  });
});

describe('Reader varints', () => {
  it('reads unsigned varints of 1 to 5 bytes', () => {
    assert.equal(readAll('00', (r) => r.readUVarint()), 0);
    assert.equal(readAll('01', (r) => r.readUVarint()), 1);
    assert.equal(readAll('7f', (r) => r.readUVarint()), 127);
    assert.equal(readAll('8001', (r) => r.readUVarint()), 128);
    assert.equal(readAll('ffff03', (r) => r.readUVarint()), 65535);
    assert.equal(readAll('ffffffff07', (r) => r.readUVarint()), 2147483647);
    assert.equal(readAll('8080808008', (r) => r.readUVarint()), 2147483648);
    assert.equal(readAll('ffffffff0f', (r) => r.readUVarint()), 4294967295);
  });

  it('refuses unsigned varints over 32 bits, over 5 bytes or truncated', () => {
    decodeError(reader('ffffffff10'), (r) => r.readUVarint());
    decodeError(reader('ffffffffff01'), (r) => r.readUVarint());
    decodeError(reader('ff'), (r) => r.readUVarint());
    decodeError(reader('ffffffff'), (r) => r.readUVarint());
    decodeError(reader(''), (r) => r.readUVarint());
  });

  it('reads zigzag varints: 0, ±1, int32 min and max', () => {
    assert.equal(readAll('00', (r) => r.readVarint()), 0);
    assert.equal(readAll('01', (r) => r.readVarint()), -1);
    assert.equal(readAll('02', (r) => r.readVarint()), 1);
    assert.equal(readAll('d804', (r) => r.readVarint()), 300);
    assert.equal(readAll('feffffff0f', (r) => r.readVarint()), 2147483647);
    assert.equal(readAll('ffffffff0f', (r) => r.readVarint()), -2147483648);
  });

  it('reads zigzag varlongs: 0, ±1, 2^53, int64 min and max', () => {
    assert.equal(readAll('00', (r) => r.readVarlong()), 0n);
    assert.equal(readAll('01', (r) => r.readVarlong()), -1n);
    assert.equal(readAll('02', (r) => r.readVarlong()), 1n);
    assert.equal(readAll('8080808080808020', (r) => r.readVarlong()), 2n ** 53n);
    assert.equal(readAll('feffffffffffffffff01', (r) => r.readVarlong()), 2n ** 63n - 1n);
    assert.equal(readAll('ffffffffffffffffff01', (r) => r.readVarlong()), -(2n ** 63n));
  });

  it('refuses varlongs over 64 bits, over 10 bytes or truncated', () => {
    decodeError(reader('ffffffffffffffffff02'), (r) => r.readVarlong());
    decodeError(reader('ffffffffffffffffffff01'), (r) => r.readVarlong());
    decodeError(reader('ffff'), (r) => r.readVarlong());
  });

  it('reads varlongs as numbers exactly inside the safe range and refuses the rest', () => {
    assert.equal(readAll('00', (r) => r.readVarlongNumber()), 0);
    assert.equal(readAll('01', (r) => r.readVarlongNumber()), -1);
    assert.equal(readAll('d804', (r) => r.readVarlongNumber()), 300);
    // 2^53 - 1 zigzags to 2^54 - 2: eight bytes, beyond the seven-byte fast path.
    assert.equal(readAll('feffffffffffff1f', (r) => r.readVarlongNumber()), Number.MAX_SAFE_INTEGER);
    assert.equal(readAll('fdffffffffffff1f', (r) => r.readVarlongNumber()), Number.MIN_SAFE_INTEGER);
    // 2^47 (7 bytes in zigzag form) is on the fast path.
    assert.equal(readAll('80808080808040', (r) => r.readVarlongNumber()), 2 ** 47);
    // 2^53 zigzags to 2^54: outside the safe range.
    decodeError(reader('8080808080808020'), (x) => x.readVarlongNumber());
    const r = reader('8080808080808080 04');
    decodeError(r, (x) => x.readVarlongNumber());
    assert.equal(r.offset, 0);
    decodeError(reader('8080'), (x) => x.readVarlongNumber());
  });
});

describe('Reader strings and bytes', () => {
  it('reads classic and compact strings, nullable or not', () => {
    assert.equal(readAll('0003 616263', (r) => r.readString()), 'abc');
    assert.equal(readAll('0000', (r) => r.readString()), '');
    assert.equal(readAll('ffff', (r) => r.readNullableString()), null);
    assert.equal(readAll('04 616263', (r) => r.readCompactString()), 'abc');
    assert.equal(readAll('01', (r) => r.readCompactString()), '');
    assert.equal(readAll('00', (r) => r.readCompactNullableString()), null);
    assert.equal(readAll('02 7a', (r) => r.readCompactNullableString()), 'z');
  });

  it('decodes UTF-8, short and long, ASCII and not', () => {
    for (const text of ['ünïcödé', '日本語', '🎉 party', 'a'.repeat(32), 'b'.repeat(33), `${'c'.repeat(31)}é`, `é${'d'.repeat(200)}`]) {
      const bytes = Buffer.from(text, 'utf8');
      const classic = Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
      assert.equal(new Reader(classic).readString(), text);
    }
  });

  it('refuses invalid lengths: null for non-nullable, below -1, or longer than the frame', () => {
    decodeError(reader('ffff'), (r) => r.readString());
    decodeError(reader('fffe'), (r) => r.readNullableString());
    decodeError(reader('0005 6162'), (r) => r.readString());
    decodeError(reader('00'), (r) => r.readCompactString());
    decodeError(reader('05 6162'), (r) => r.readCompactNullableString());
    decodeError(reader('ffffffff'), (r) => r.readBytes());
    decodeError(reader('fffffffe'), (r) => r.readNullableBytes());
    decodeError(reader('00000003 0102'), (r) => r.readBytes());
    decodeError(reader('00'), (r) => r.readCompactBytes());
    decodeError(reader('04 0102'), (r) => r.readCompactNullableBytes());
  });

  it('returns bytes as views into the frame, not copies', () => {
    const frame = Buffer.from('00000003 0a0b0c 04 010203'.replaceAll(' ', ''), 'hex');
    const r = new Reader(frame);
    const classic = r.readBytes();
    const compact = r.readCompactBytes();
    assert.deepEqual([...classic], [10, 11, 12]);
    assert.deepEqual([...compact], [1, 2, 3]);
    assert.equal(classic.buffer, frame.buffer);
    frame[4] = 0x7f;
    assert.equal(classic[0], 0x7f);
    assert.equal(readAll('ffffffff', (x) => x.readNullableBytes()), null);
    assert.equal(readAll('00', (x) => x.readCompactNullableBytes()), null);
    assert.deepEqual(readAll('00000000', (x) => x.readBytes()), Buffer.alloc(0));
  });

  it('refuses a length larger than the frame before allocating anything', () => {
    const cases: [string, (r: Reader) => unknown][] = [
      ['7fffffff 00', (r) => r.readBytes()],
      ['7fffffff 00', (r) => r.readNullableBytes()],
      ['ffffffff07 00', (r) => r.readCompactBytes()],
      ['ffffffff0f 00', (r) => r.readCompactNullableBytes()],
      ['7fff 00', (r) => r.readString()],
      ['ffffffff0f 00', (r) => r.readCompactString()],
      ['7fffffff 00', (r) => r.readArrayLength()],
      ['ffffffff0f 00', (r) => r.readCompactArrayLength()],
      ['00001000 0000', (r) => r.readArrayLength(4)],
      ['ffffffff0f', (r) => r.readTaggedFieldCount()],
      ['ffffffff0f', (r) => r.readUnknownTaggedFields()],
      ['7fffffff', (r) => r.readRaw(0x7fffffff)],
      ['01 00 ffffffff0f', (r) => r.readUnknownTaggedFields()],
      ['05 ff', (r) => r.subReader(5)],
    ];
    // The trap sees allocations: a valid read records its view.
    const control = trappedBuffer(Buffer.from('00000001 aa'.replace(' ', ''), 'hex'));
    new Reader(control.buffer).readBytes();
    assert.deepEqual(control.allocations, ['subarray']);
    for (const [hex, read] of cases) {
      const { buffer, allocations } = trappedBuffer(Buffer.from(hex.replaceAll(' ', ''), 'hex'));
      const heapBefore = process.memoryUsage().arrayBuffers;
      assert.throws(() => read(new Reader(buffer)), KafkaDecodeError, hex);
      assert.deepEqual(allocations, [], `${hex}: allocated before refusing the length`);
      assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 1 << 20, `${hex}: memory grew`);
    }
  });
});

describe('Reader arrays and tagged fields', () => {
  it('reads array lengths, null, and checks counts against the frame', () => {
    assert.equal(readAll('ffffffff', (r) => r.readArrayLength()), null);
    assert.equal(reader('00000002 0000').readArrayLength(1), 2);
    decodeError(reader('00000002 0000'), (r) => r.readArrayLength(2));
    decodeError(reader('fffffffe'), (r) => r.readArrayLength());
    assert.equal(readAll('00', (r) => r.readCompactArrayLength()), null);
    assert.equal(readAll('01', (r) => r.readCompactArrayLength()), 0);
    assert.equal(reader('03 aabb').readCompactArrayLength(1), 2);
    decodeError(reader('03 aabb'), (r) => r.readCompactArrayLength(4));
    // A minimum element size of 0 still counts each element as one byte.
    decodeError(reader('00000003 0000'), (r) => r.readArrayLength(0));
  });

  it('reads unknown tagged fields as views, in order', () => {
    assert.equal(readAll('00', (r) => r.readUnknownTaggedFields()), undefined);
    const fields = readAll('02 01 02 aabb 05 00', (r) => r.readUnknownTaggedFields());
    assert.deepEqual(fields, [
      { tag: 1, data: Buffer.from([0xaa, 0xbb]) },
      { tag: 5, data: Buffer.alloc(0) },
    ]);
    decodeError(reader('02 05 00 01 00'), (r) => r.readUnknownTaggedFields());
    decodeError(reader('02 05 00 05 00'), (r) => r.readUnknownTaggedFields());
    decodeError(reader('01 05 03 aa'), (r) => r.readUnknownTaggedFields());
  });

  it('gives known tagged fields a sub-reader bounded by their size', () => {
    const r = reader('02 00 04 00000007 03 01 ee');
    const seen: number[] = [];
    const unknown = r.readTaggedFields((tag, field) => {
      if (tag !== 0) return false;
      seen.push(field.readInt32());
      return true;
    });
    assert.deepEqual(seen, [7]);
    assert.deepEqual(unknown, [{ tag: 3, data: Buffer.from([0xee]) }]);
    assert.equal(r.remaining(), 0);
    // A known field that does not fill its size exactly is corrupt.
    decodeError(reader('01 00 05 00000007 00'), (x) => x.readTaggedFields((_tag, field) => (field.readInt32(), true)));
    const outer = reader('03 aabbcc dd');
    const sub = outer.subReader(outer.readUInt8());
    assert.equal(outer.readUInt8(), 0xdd);
    assert.equal(sub.readUInt16(), 0xaabb);
    assert.throws(() => sub.expectEnd('field'), KafkaDecodeError);
    decodeError(sub, (x) => x.readInt16());
    assert.equal(reader('05').readTag(4), 5);
    decodeError(reader('04'), (x) => x.readTag(4));
  });

  it('skips and reads raw bytes within the frame', () => {
    const r = reader('0102030405');
    r.skip(2);
    assert.deepEqual([...r.readRaw(2)], [3, 4]);
    decodeError(r, (x) => x.skip(2));
    assert.equal(r.remaining(), 1);
  });
});
