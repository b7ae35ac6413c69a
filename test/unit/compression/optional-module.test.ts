import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOptionalModule } from '../../../src/compression/optional-module.js';

test('a missing package, or one that fails its check, loads as undefined so the fallback is used', () => {
  assert.equal(loadOptionalModule('kafkats-no-such-package', () => true), undefined);
  assert.equal(loadOptionalModule<{ crc32c: unknown }>('@node-rs/crc32', () => false), undefined);
  assert.equal(loadOptionalModule('@node-rs/crc32', () => {
    throw new Error('broken binary');
  }), undefined);
});

test('an installed package that passes its check is returned', () => {
  const module = loadOptionalModule<{ crc32c(data: Uint8Array): number }>('@node-rs/crc32', (m) => typeof m.crc32c === 'function');
  assert.equal(module?.crc32c(Buffer.from('123456789')), 0xe3069283);
});
