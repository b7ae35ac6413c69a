import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameAssembler, type FrameSink } from '../../../../src/protocol/primitives/frame-assembler.js';
import { KafkaDecodeError } from '../../../../src/protocol/errors.js';

interface Delivered {
  buffer: Buffer;
  start: number;
  end: number;
  bytes: Buffer;
}

class RecordingSink implements FrameSink {
  readonly frames: Delivered[] = [];
  readonly errors: KafkaDecodeError[] = [];
  onFrame: ((frame: Delivered) => void) | null = null;

  handleFrame(buffer: Buffer, start: number, end: number): void {
    const frame = { buffer, start, end, bytes: Buffer.from(buffer.subarray(start, end)) };
    this.frames.push(frame);
    this.onFrame?.(frame);
  }

  handleFramingError(error: KafkaDecodeError): void {
    this.errors.push(error);
  }
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

function payload(index: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (index * 31 + i) & 0xff;
  return bytes;
}

describe('FrameAssembler', () => {
  it('hands on frames that lie inside one chunk as views of that chunk', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 1024);
    const payloads = [payload(1, 4), payload(2, 10), payload(3, 100)];
    const chunk = Buffer.concat(payloads.map(frame));
    assembler.push(chunk);
    assert.equal(sink.frames.length, 3);
    sink.frames.forEach((delivered, i) => {
      assert.equal(delivered.buffer, chunk, 'no copy');
      assert.deepEqual(delivered.bytes, payloads[i]);
    });
    assert.deepEqual(
      sink.frames.map((delivered) => [delivered.start, delivered.end]),
      [[4, 8], [12, 22], [26, 126]],
    );
    assert.equal(assembler.bufferedBytes, 0);
  });

  it('a size prefix split across chunks still leaves a whole body as a view', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 1024);
    const bytes = frame(payload(5, 20));
    assembler.push(bytes.subarray(0, 2));
    assert.equal(assembler.bufferedBytes, 2);
    const rest = bytes.subarray(2);
    assembler.push(rest);
    assert.equal(sink.frames.length, 1);
    assert.equal(sink.frames[0]!.buffer, rest);
    assert.deepEqual(sink.frames[0]!.bytes, payload(5, 20));
  });

  it('copies a frame spanning chunks once, into a buffer of exactly its size', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 1 << 20);
    const body = payload(9, 100_000);
    const bytes = frame(body);
    for (let offset = 0; offset < bytes.length; offset += 65536) assembler.push(bytes.subarray(offset, offset + 65536));
    assert.equal(sink.frames.length, 1);
    const delivered = sink.frames[0]!;
    assert.equal(delivered.buffer.length, 100_000);
    assert.equal(delivered.start, 0);
    assert.equal(delivered.end, 100_000);
    assert.deepEqual(delivered.bytes, body);
  });

  it('reassembles frames fed one byte at a time', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 1024);
    const payloads = [payload(1, 4), payload(2, 7), payload(3, 300)];
    const bytes = Buffer.concat(payloads.map(frame));
    for (let i = 0; i < bytes.length; i++) assembler.push(bytes.subarray(i, i + 1));
    assert.deepEqual(
      sink.frames.map((delivered) => delivered.bytes),
      payloads,
    );
  });

  it('reassembles 500 frames under random chunking', () => {
    const next = random(12345);
    const payloads = Array.from({ length: 500 }, (_, i) => payload(i, 4 + Math.floor(next() * 3000)));
    const stream = Buffer.concat(payloads.map(frame));
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 4096);
    let offset = 0;
    while (offset < stream.length) {
      const length = 1 + Math.floor(next() * 5000);
      assembler.push(stream.subarray(offset, offset + length));
      offset += length;
    }
    assert.equal(sink.frames.length, 500);
    sink.frames.forEach((delivered, i) => assert.deepEqual(delivered.bytes, payloads[i]));
    assert.equal(sink.errors.length, 0);
  });

  it('refuses an oversized frame from its size alone, once, and ignores what follows', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 100);
    assembler.push(Buffer.concat([frame(payload(1, 10)), Buffer.from([0, 0, 0, 101])]));
    assert.equal(sink.frames.length, 1);
    assert.equal(sink.errors.length, 1);
    assert.match(sink.errors[0]!.message, /101 bytes exceeds maxResponseBytes \(100\)/);
    assembler.push(frame(payload(2, 10)));
    assert.equal(sink.frames.length, 1);
    assert.equal(sink.errors.length, 1);
  });

  it('refuses sizes too small for a correlation id, and negative ones', () => {
    for (const size of [0, 3, -1, -2147483648]) {
      const sink = new RecordingSink();
      const assembler = new FrameAssembler(sink, 100);
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(size);
      assembler.push(bytes);
      assert.equal(sink.errors.length, 1, `size ${size}`);
      assert.ok(sink.errors[0] instanceof KafkaDecodeError);
    }
  });

  it('stops within a chunk when stopped from a frame handler', () => {
    const sink = new RecordingSink();
    const assembler = new FrameAssembler(sink, 100);
    sink.onFrame = () => assembler.stop();
    assembler.push(Buffer.concat([frame(payload(1, 5)), frame(payload(2, 5))]));
    assert.equal(sink.frames.length, 1);
  });
});
