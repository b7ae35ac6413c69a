import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_BUFFER,
  checkVersion,
  decodeFailure,
  encodeFailure,
  nullField,
  nullInFrame,
  unsupportedField,
  unsupportedTaggedFields,
} from '../../../../src/protocol/primitives/codec-support.js';
import {
  KafkaConnectionError,
  KafkaDecodeError,
  KafkaInvalidArgumentError,
  KafkaUnsupportedVersionError,
} from '../../../../src/protocol/errors.js';

describe('codec support', () => {
  it('checks versions', () => {
    checkVersion('FooRequest', 3, 0, 3);
    checkVersion('FooRequest', 0, 0, 3);
    for (const version of [-1, 4, 1.5, Number.NaN]) {
      assert.throws(() => checkVersion('FooRequest', version, 0, 3), (e: unknown) => e instanceof KafkaUnsupportedVersionError && e.message.includes('FooRequest') && e.code === 35);
    }
  });

  it('builds field errors of the right classes', () => {
    assert.ok(unsupportedField('A.b', '3+') instanceof KafkaUnsupportedVersionError);
    assert.ok(unsupportedTaggedFields('A') instanceof KafkaUnsupportedVersionError);
    assert.ok(nullField('A.b') instanceof KafkaInvalidArgumentError);
    assert.ok(nullInFrame('A.b') instanceof KafkaDecodeError);
    assert.equal(EMPTY_BUFFER.length, 0);
  });

  it('adds the message and version to encode errors, and types foreign ones', () => {
    const invalid = encodeFailure(new KafkaInvalidArgumentError('300 is not a valid int8'), 'FooRequest', 2);
    assert.ok(invalid instanceof KafkaInvalidArgumentError);
    assert.equal(invalid.message, 'FooRequest v2: 300 is not a valid int8');
    const unsupported = encodeFailure(new KafkaUnsupportedVersionError('field x'), 'FooRequest', 2);
    assert.ok(unsupported instanceof KafkaUnsupportedVersionError);
    assert.equal(unsupported.message, 'FooRequest v2: field x');
    const foreign = encodeFailure(new TypeError("Cannot read properties of null (reading 'name')"), 'FooRequest', 2);
    assert.ok(foreign instanceof KafkaInvalidArgumentError);
    assert.match(foreign.message, /^FooRequest v2: invalid input/);
    const other = new KafkaConnectionError('gone');
    assert.equal(encodeFailure(other, 'FooRequest', 2), other);
  });

  it('adds the message and version to decode errors, keeping foreign ones as the cause', () => {
    const decode = decodeFailure(new KafkaDecodeError('truncated input'), 'FooResponse', 1);
    assert.equal(decode.message, 'FooResponse v1: truncated input');
    assert.equal(decode.cause, undefined);
    const bug = new TypeError('boom');
    const wrapped = decodeFailure(bug, 'FooResponse', 1);
    assert.ok(wrapped instanceof KafkaDecodeError);
    assert.equal(wrapped.cause, bug);
  });
});
