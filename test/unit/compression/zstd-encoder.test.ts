import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { zstdCompress } from '../../../src/compression/zstd-encoder.js';
import { zstdDecompress } from '../../../src/compression/zstd-decoder.js';
import { SAMPLE_KINDS, SAMPLE_SIZES, hasPythonModule, runPython, sampleData } from './python-peer.js';

const nativeZstd = createRequire(import.meta.url)('@mongodb-js/zstd') as { decompress(data: Buffer): Promise<Buffer> };

test('libzstd (through @mongodb-js/zstd) decodes our frames exactly', async () => {
  for (const size of [...SAMPLE_SIZES, 255, 256, 65791, 65792, 131072, 131073, 600_000]) {
    for (const kind of SAMPLE_KINDS) {
      const data = sampleData(kind, size);
      const frame = zstdCompress(data);
      assert.deepEqual(await nativeZstd.decompress(frame), data, `${kind} ${size}`);
      assert.deepEqual(zstdDecompress(frame, size), data, `our decoder, ${kind} ${size}`);
    }
  }
});

test('python-zstandard decodes our frames and reads their declared content size', { skip: !hasPythonModule('zstandard') && 'python3-zstandard is not installed' }, () => {
  const data = sampleData('text', 400_000);
  const frame = zstdCompress(data);
  const output = runPython('import sys, zstandard; f = sys.stdin.buffer.read(); p = zstandard.get_frame_parameters(f); sys.stdout.buffer.write(str(p.content_size).encode() + b"|" + zstandard.ZstdDecompressor().decompress(f))', frame);
  assert.equal(output.subarray(0, 7).toString(), '400000|');
  assert.deepEqual(output.subarray(7), data);
});

test('compressible data compresses; incompressible data costs only block headers', () => {
  assert.ok(zstdCompress(sampleData('text', 300_000)).length < 110_000);
  assert.ok(zstdCompress(sampleData('zeros', 300_000)).length < 2_000);
  assert.ok(zstdCompress(sampleData('random', 300_000)).length <= 300_000 + 9 + 3 * 3);
});
