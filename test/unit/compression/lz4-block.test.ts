import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lz4CompressBlockInto, lz4DecompressBlockInto, lz4MaxCompressedLength } from '../../../src/compression/lz4-block.js';
import { sampleData } from './python-peer.js';

function compress(data: Buffer): Buffer {
  const out = Buffer.alloc(lz4MaxCompressedLength(data.length));
  return out.subarray(0, lz4CompressBlockInto(data, 0, data.length, out, 0));
}

test('blocks of every size up to 64 KiB round trip and respect the end-of-block rules', () => {
  for (const size of [0, 1, 5, 12, 13, 14, 100, 1000, 65536]) {
    for (const kind of ['text', 'random', 'zeros', 'small-alphabet'] as const) {
      const data = sampleData(kind, size);
      const block = compress(data);
      const out = Buffer.alloc(size);
      assert.equal(lz4DecompressBlockInto(block, 0, block.length, out, 0, size, 0), size, `${kind} ${size}`);
      assert.deepEqual(out, data);
      // The last sequence is literals only and covers at least the last 5 bytes.
      if (size >= 13) {
        const lastToken = findLastToken(block);
        assert.equal(block[lastToken]! & 0x0f, 0);
        assert.ok(block[lastToken]! >>> 4 >= 5 || block[lastToken]! >>> 4 === 15);
      }
    }
  }
});

/** Walks the sequences of a block and returns the position of the last token. */
function findLastToken(block: Buffer): number {
  let pos = 0;
  for (;;) {
    const token = pos;
    let literals = block[pos++]! >>> 4;
    if (literals === 15) for (let byte = 255; byte === 255; literals += byte) byte = block[pos++]!;
    pos += literals;
    if (pos >= block.length) return token;
    pos += 2;
    if ((block[token]! & 15) === 15) while (block[pos++] === 255);
  }
}

test('output limits and malformed blocks are reported by return value', () => {
  const data = sampleData('text', 4000);
  const block = compress(data);
  const out = Buffer.alloc(4000);
  assert.equal(lz4DecompressBlockInto(block, 0, block.length, out, 0, 3999, 0), -1, 'output limit');
  assert.equal(lz4DecompressBlockInto(block, 0, block.length - 1, out, 0, 4000, 0), -2, 'truncated');
  assert.equal(lz4DecompressBlockInto(Buffer.from([0x04, 0x61, 0x01, 0x00]), 0, 4, out, 0, 4000, 0), -2, 'last sequence with a match');
  assert.equal(lz4DecompressBlockInto(Buffer.from([0x10, 0x61, 0x05, 0x00, 0x00]), 0, 5, out, 0, 4000, 0), -2, 'offset before the window');
});
