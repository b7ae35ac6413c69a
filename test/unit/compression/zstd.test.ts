import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { zstdCodec, zstdImplementation, zstdTypeScriptCodec } from '../../../src/compression/zstd.js';
import { isPromiseLike } from '../../../src/compression/registry.js';
import { sampleData } from './python-peer.js';

test('node:zlib zstd is used when the running Node has it; else libzstd compresses and TypeScript decompresses', () => {
  const zlibHasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
  assert.deepEqual(zstdImplementation, zlibHasZstd ? { compress: 'node:zlib', decompress: 'node:zlib' } : { compress: '@mongodb-js/zstd', decompress: 'typescript' });
});

test('the codec round trips through whichever implementations it picked', async () => {
  const data = sampleData('text', 100_000);
  const compressed = zstdCodec.compress(data, { magic: 2 });
  const frame = isPromiseLike(compressed) ? await compressed : compressed;
  assert.ok(frame.length < 20_000, `native zstd gives ${frame.length} bytes`);
  assert.deepEqual(zstdCodec.decompress(frame, { magic: 2, maxOutputBytes: 100_000 }), data);
  assert.throws(() => zstdCodec.decompress(frame, { magic: 2, maxOutputBytes: 99_999 }), /limit of 99999 bytes/);
});

test('the TypeScript codec is synchronous', () => {
  const data = sampleData('text', 10_000);
  const frame = zstdTypeScriptCodec.compress(data, { magic: 2 });
  assert.ok(Buffer.isBuffer(frame));
  assert.deepEqual(zstdTypeScriptCodec.decompress(frame as Buffer, { magic: 2, maxOutputBytes: 10_000 }), data);
});

test('a compression level is accepted (the @mongodb-js/zstd 1.x wrapper applies its default level)', async () => {
  const data = sampleData('text', 50_000);
  const frame = await zstdCodec.compress(data, { magic: 2, level: 19 });
  assert.deepEqual(zstdCodec.decompress(frame, { magic: 2, maxOutputBytes: 50_000 }), data);
});
