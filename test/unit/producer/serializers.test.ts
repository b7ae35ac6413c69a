/**
 * Serializers, headers and the record size bound the producer checks records against.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byteLength, normalizeHeaders, recordSizeUpperBound, resolveSerializer } from '../../../src/producer/serializers.js';
import { recordSizeUpperBound as recordLayerBound } from '../../../src/records/batch-builder.js';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';

describe('serializers', () => {
  it("'buffer' passes bytes and strings through, keeps null, and refuses anything else", () => {
    const serialize = resolveSerializer('buffer', 'value');
    const bytes = Buffer.from('abc');
    assert.equal(serialize(bytes, 't', undefined), bytes);
    const array = new Uint8Array([1, 2]);
    assert.equal(serialize(array, 't', undefined), array);
    assert.equal(serialize('text', 't', undefined), 'text');
    assert.equal(serialize(null, 't', undefined), null);
    assert.equal(serialize(undefined, 't', undefined), null);
    assert.throws(() => serialize(42, 't', undefined), (error: unknown) => error instanceof KafkaInvalidArgumentError && /the value must be a Buffer, Uint8Array, string or null \(or configure a serializer\), got number/.test(error.message));
    assert.throws(() => serialize({ a: 1 }, 't', undefined), /got an object \(Object\)/);
  });

  it("'string' and 'json' write text; null stays null", () => {
    assert.equal(resolveSerializer('string', 'key')(12, 't', undefined), '12');
    assert.equal(resolveSerializer('json', 'value')({ a: [1, null] }, 't', undefined), '{"a":[1,null]}');
    assert.equal(resolveSerializer('json', 'value')(null, 't', undefined), null);
    assert.throws(() => resolveSerializer('json', 'value')(() => 1, 't', undefined), /cannot be serialized as JSON/);
  });

  it('functions and Serializer objects get data, topic and headers; their results are checked', () => {
    const seen: unknown[] = [];
    const headers = [{ key: 'h', value: 'v' }];
    const fn = resolveSerializer((data: unknown, topic, given) => {
      seen.push([data, topic, given]);
      return Buffer.from(String(data));
    }, 'value');
    assert.deepEqual(fn(5, 'orders', headers), Buffer.from('5'));
    assert.deepEqual(seen, [[5, 'orders', headers]]);
    assert.equal(fn(null, 'orders', headers), null, 'null never reaches the serializer');
    assert.equal(seen.length, 1);
    const object = resolveSerializer({ serialize: (topic: string, data: unknown) => `${topic}:${String(data)}` }, 'key');
    assert.equal(object('x', 't', undefined), 't:x');
    const bad = resolveSerializer(() => 7 as never, 'key');
    assert.throws(() => bad('x', 't', undefined), /the key serializer's result must be a Buffer/);
  });
});

describe('headers', () => {
  it('take an object (property order) or an array of { key, value } (repeats kept)', () => {
    assert.deepEqual(normalizeHeaders({ a: '1', b: null, c: Buffer.from([9]) }), [
      { key: 'a', value: '1' },
      { key: 'b', value: null },
      { key: 'c', value: Buffer.from([9]) },
    ]);
    const list = [{ key: 'a', value: '1' }, { key: 'a', value: '2' }];
    assert.equal(normalizeHeaders(list), list);
    assert.equal(normalizeHeaders({}), undefined);
    assert.equal(normalizeHeaders([]), undefined);
    assert.throws(() => normalizeHeaders({ a: 5 } as never), /the value of header 'a' must be a Buffer, Uint8Array, string or null/);
    assert.throws(() => normalizeHeaders('x' as never), /headers must be an object or an array/);
  });
});

describe('recordSizeUpperBound', () => {
  it('equals the record layer\'s bound for keys, values and headers of every size', () => {
    for (const keyLength of [-1, 0, 5, 63, 64, 200, 9000]) {
      for (const valueLength of [-1, 0, 1, 100, 1024, 70_000]) {
        for (const headers of [undefined, [{ key: 'k', value: null }, { key: 'ключ', value: 'x'.repeat(300) }]]) {
          const key = keyLength < 0 ? null : Buffer.alloc(keyLength);
          const value = valueLength < 0 ? null : Buffer.alloc(valueLength);
          assert.equal(recordSizeUpperBound(keyLength, valueLength, headers), recordLayerBound({ key, value, headers }), `key ${keyLength}, value ${valueLength}`);
        }
      }
    }
    assert.equal(byteLength('ü'), 2);
    assert.equal(byteLength(null), -1);
  });
});
