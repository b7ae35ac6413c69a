/**
 * Fuzzing of the generated decoders: valid encodings of random values (built from the specs) are
 * mutated (bytes flipped, truncated, huge lengths inserted, spliced, replaced by garbage) and fed to
 * the decoders of every API and version. A decoder may succeed or throw `KafkaDecodeError` raised by
 * the codec itself (not a wrapped foreign error); what it returns must fit in the frame (no array,
 * string or buffer larger than the frame; buffers are views into it), and the heap must not grow.
 * Seeded: every run feeds the same frames.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaDecodeError, Reader, Writer } from '../../../src/protocol/index.js';
import { codecFor, type Codec } from './codec-lookup.js';
import { loadSpecMessages, randomStruct, Rng, type SpecMessage } from './spec-values.js';
import { collectGarbage } from '../../support/gc.js';

const RESPONSE_FRAMES = 300_000;
const REQUEST_FRAMES = 100_000;

interface Target {
  message: SpecMessage;
  version: number;
  codec: Codec;
  seeds: Buffer[];
}

function targets(type: 'request' | 'response', rng: Rng): Target[] {
  const out: Target[] = [];
  for (const message of loadSpecMessages().filter((m) => m.type === type)) {
    const codec = codecFor(message);
    for (let version = message.validVersions.lo; version <= message.validVersions.hi; version++) {
      const seeds: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        const { input } = randomStruct(message, message.top, version, rng, { omit: 0.1, nulls: 0.2, maxArray: 2, unknownTags: true });
        const writer = new Writer();
        codec.encode(writer, version, input);
        seeds.push(Buffer.from(writer.finish()));
      }
      out.push({ message, version, codec, seeds });
    }
  }
  return out;
}

const HUGE_LENGTHS = [
  Buffer.from('7fffffff', 'hex'),
  Buffer.from('fffffffe', 'hex'),
  Buffer.from('ffffffff', 'hex'),
  Buffer.from('00ffffff', 'hex'),
  Buffer.from('7fff', 'hex'),
  Buffer.from('ffffffff0f', 'hex'),
  Buffer.from('ffffffff07', 'hex'),
  Buffer.from('80808080', 'hex'),
];

function mutate(seed: Buffer, rng: Rng): Buffer {
  const frame = Buffer.from(seed);
  switch (rng.below(7)) {
    case 0: {
      // Flip a few bytes.
      const flips = 1 + rng.below(4);
      for (let i = 0; i < flips && frame.length > 0; i++) frame[rng.below(frame.length)] ^= 1 + rng.below(255);
      return frame;
    }
    case 1:
      // Truncate.
      return frame.subarray(0, rng.below(frame.length + 1));
    case 2: {
      // Overwrite with a huge or negative length at a random position.
      const length = rng.pick(HUGE_LENGTHS);
      const at = rng.below(frame.length + 1);
      return Buffer.concat([frame.subarray(0, at), length, frame.subarray(Math.min(frame.length, at + length.length))]);
    }
    case 3: {
      // Insert a huge length (shifting everything after it).
      const at = rng.below(frame.length + 1);
      return Buffer.concat([frame.subarray(0, at), rng.pick(HUGE_LENGTHS), frame.subarray(at)]);
    }
    case 4: {
      // Splice: repeat or drop a segment.
      const from = rng.below(frame.length + 1);
      const to = from + rng.below(frame.length - from + 1);
      return rng.chance(0.5) ? Buffer.concat([frame.subarray(0, to), frame.subarray(from)]) : Buffer.concat([frame.subarray(0, from), frame.subarray(to)]);
    }
    case 5:
      // Random garbage.
      return rng.bytes(rng.below(96));
    default: {
      // Garbage tail after a valid prefix.
      const at = rng.below(frame.length + 1);
      return Buffer.concat([frame.subarray(0, at), rng.bytes(rng.below(32))]);
    }
  }
}

/** Checks that nothing in a decoded value is larger than the frame, and that buffers are views into it. */
function checkBounded(value: unknown, frame: Buffer, path: string): number {
  let nodes = 1;
  if (Buffer.isBuffer(value)) {
    assert.ok(value.length <= frame.length, `${path}: buffer of ${value.length} bytes from a ${frame.length}-byte frame`);
    assert.ok(value.length === 0 || value.buffer === frame.buffer, `${path}: buffer is not a view into the frame`);
  } else if (Array.isArray(value)) {
    assert.ok(value.length <= frame.length, `${path}: array of ${value.length} from a ${frame.length}-byte frame`);
    for (const item of value) nodes += checkBounded(item, frame, `${path}[]`);
  } else if (typeof value === 'string') {
    // UUIDs are 22 characters from 16 bytes (or from nothing: ZERO_UUID is a default).
    assert.ok(value.length <= frame.length + 22, `${path}: string of ${value.length} from a ${frame.length}-byte frame`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) nodes += checkBounded(item, frame, `${path}.${key}`);
  }
  return nodes;
}

function fuzz(type: 'request' | 'response', frames: number, seed: number): { decoded: number; rejected: number } {
  const rng = new Rng(seed);
  const all = targets(type, rng);
  let decoded = 0;
  let rejected = 0;
  for (let n = 0; n < frames; n++) {
    const target = all[n % all.length]!;
    const frame = mutate(rng.pick(target.seeds), rng);
    let value: unknown;
    try {
      value = target.codec.decode(new Reader(frame), target.version);
    } catch (error) {
      if (!(error instanceof KafkaDecodeError) || error.cause !== undefined) {
        assert.fail(`${target.message.name} v${target.version} threw ${String(error)} (cause ${String((error as Error).cause)}) on ${frame.toString('hex')}`);
      }
      rejected++;
      continue;
    }
    // A frame of n bytes cannot decode into more than a few values per byte.
    const nodes = checkBounded(value, frame, `${target.message.name} v${target.version}`);
    assert.ok(nodes <= 64 + frame.length * 4, `${target.message.name} v${target.version}: ${nodes} values from ${frame.length} bytes`);
    decoded++;
  }
  return { decoded, rejected };
}

describe('decoders survive corrupt frames', () => {
  it(`${RESPONSE_FRAMES} mutated response frames of every API and version`, { timeout: 120_000 }, () => {
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const { decoded, rejected } = fuzz('response', RESPONSE_FRAMES, 0x5eed);
    collectGarbage();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`responses: ${decoded} decoded, ${rejected} rejected with KafkaDecodeError, heap growth ${(growth / 1e6).toFixed(1)} MB`);
    assert.equal(decoded + rejected, RESPONSE_FRAMES);
    // Most mutations must be caught, and some must still decode (the mutations are not all fatal).
    assert.ok(rejected > RESPONSE_FRAMES / 2);
    assert.ok(decoded > RESPONSE_FRAMES / 20);
    assert.ok(growth < 32 * 1024 * 1024, `heap grew by ${growth} bytes`);
  });

  it(`${REQUEST_FRAMES} mutated request frames (what the embedded broker decodes)`, { timeout: 120_000 }, () => {
    const { decoded, rejected } = fuzz('request', REQUEST_FRAMES, 0xbeef);
    console.log(`requests: ${decoded} decoded, ${rejected} rejected with KafkaDecodeError`);
    assert.equal(decoded + rejected, REQUEST_FRAMES);
    assert.ok(rejected > REQUEST_FRAMES / 2);
  });
});
