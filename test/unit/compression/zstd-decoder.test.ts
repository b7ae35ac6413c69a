import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { zstdDecompress } from '../../../src/compression/zstd-decoder.js';
import { KafkaDecodeError } from '../../../src/protocol/errors.js';
import { hasPythonModule, runPython, sampleData } from './python-peer.js';

const nativeZstd = createRequire(import.meta.url)('@mongodb-js/zstd') as { compress(data: Buffer, level?: number): Promise<Buffer> };
const noZstandard = !hasPythonModule('zstandard') && 'python3-zstandard is not installed';

/** Compresses every input in one Python run (one process per level and mode, not per input). */
function pythonFrames(inputs: Buffer[], level: number, streaming: boolean): Buffer[] {
  const program = `
import sys, struct, io, zstandard
data = sys.stdin.buffer.read()
pos = 0
out = sys.stdout.buffer
while pos < len(data):
    (n,) = struct.unpack('>I', data[pos:pos+4]); chunk = data[pos+4:pos+4+n]; pos += 4 + n
    if ${streaming ? 'True' : 'False'}:
        b = io.BytesIO()
        w = zstandard.ZstdCompressor(level=${level}, write_content_size=False, write_checksum=True).stream_writer(b, closefd=False)
        for i in range(0, len(chunk), 10000):
            w.write(chunk[i:i+10000]); w.flush(zstandard.FLUSH_BLOCK)
        w.flush(zstandard.FLUSH_FRAME)
        frame = b.getvalue()
    else:
        frame = zstandard.ZstdCompressor(level=${level}).compress(chunk)
    out.write(struct.pack('>I', len(frame))); out.write(frame)
`;
  const output = runPython(program, Buffer.concat(inputs.flatMap((input) => [lengthPrefix(input.length), input])));
  const frames: Buffer[] = [];
  for (let pos = 0; pos < output.length; pos += 4 + output.readUInt32BE(pos)) frames.push(output.subarray(pos + 4, pos + 4 + output.readUInt32BE(pos)));
  return frames;
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return prefix;
}

const INPUTS = [
  Buffer.alloc(0),
  sampleData('text', 1),
  sampleData('text', 200),
  sampleData('text', 5000),
  sampleData('text', 300_000),
  sampleData('random', 70_000),
  sampleData('zeros', 500_000),
  sampleData('small-alphabet', 200_000),
  Buffer.concat([sampleData('random', 1000), sampleData('random', 1000), sampleData('text', 50_000)]),
];

test('frames written by python-zstandard at every level are decoded exactly', { skip: noZstandard }, () => {
  for (const level of [-5, 1, 3, 9, 19]) {
    const frames = pythonFrames(INPUTS, level, false);
    frames.forEach((frame, i) => assert.deepEqual(zstdDecompress(frame, 1 << 21), INPUTS[i], `level ${level} input ${i}`));
  }
});

test('streamed frames without a content size and with a checksum (as the Java client writes) are decoded', { skip: noZstandard }, () => {
  for (const level of [1, 3, 12]) {
    const frames = pythonFrames(INPUTS, level, true);
    frames.forEach((frame, i) => assert.deepEqual(zstdDecompress(frame, 1 << 21), INPUTS[i], `level ${level} input ${i}`));
  }
});

test('frames written by libzstd through @mongodb-js/zstd are decoded', async () => {
  for (const input of INPUTS) {
    for (const level of [1, 3, 10]) assert.deepEqual(zstdDecompress(await nativeZstd.compress(input, level), 1 << 21), input);
  }
});

test('concatenated and skippable frames are handled', async () => {
  const a = await nativeZstd.compress(sampleData('text', 1000), 3);
  const b = await nativeZstd.compress(sampleData('random', 500), 3);
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
  assert.deepEqual(zstdDecompress(Buffer.concat([a, skippable, b]), 1 << 20), Buffer.concat([sampleData('text', 1000), sampleData('random', 500)]));
});

test('the output limit holds with and without a declared content size', { skip: noZstandard }, async () => {
  const withSize = await nativeZstd.compress(Buffer.alloc(4 << 20), 3);
  assert.throws(() => zstdDecompress(withSize, 1 << 20), /limit of 1048576 bytes/);
  const [streamed] = pythonFrames([Buffer.alloc(4 << 20)], 3, true);
  assert.throws(() => zstdDecompress(streamed!, 1 << 20), /limit of 1048576 bytes/);
  assert.equal(zstdDecompress(streamed!, 4 << 20).length, 4 << 20);
});

test('corrupt frames are decode errors: every truncation and every single-byte change', async () => {
  const input = sampleData('text', 20_000);
  const frame = await nativeZstd.compress(input, 3);
  for (let cut = 0; cut < frame.length; cut += 7) {
    assert.throws(() => zstdDecompress(frame.subarray(0, cut), 1 << 20), KafkaDecodeError, `cut at ${cut}`);
  }
  // A changed byte either fails as a decode error or (inside literals) decodes to other bytes;
  // nothing else may happen. The frame carries no checksum to catch the latter.
  let detected = 0;
  for (let at = 4; at < frame.length; at += 3) {
    const damaged = Buffer.from(frame);
    damaged[at]! ^= 0x5a;
    try {
      zstdDecompress(damaged, 1 << 20);
    } catch (error) {
      assert.ok(error instanceof KafkaDecodeError, `byte ${at}: ${String(error)}`);
      detected++;
    }
  }
  assert.ok(detected > frame.length / 3 / 2, `${detected} of ${Math.ceil((frame.length - 4) / 3)} changes detected`);
  assert.throws(() => zstdDecompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x03, 0, 0, 0, 0]), 100), /dictionary/);
  assert.throws(() => zstdDecompress(Buffer.from('not zstd at all'), 100), /bad magic/);
});
