/**
 * Round trips of every generated codec: for every API, every valid version and both directions
 * (and for the data/header structures), random values built from the spec itself are encoded,
 * decoded and compared with what the conventions say must come back, then re-encoded to the same
 * bytes. Also checks that the generated code matches the spec files (`generate-protocol --check`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Reader, Writer } from '../../../src/protocol/index.js';
import { allMessageVersions, defaultStruct, loadSpecMessages, randomStruct, REPO_ROOT, Rng, type SpecMessage } from './spec-values.js';
import { codecFor } from './codec-lookup.js';

const SEEDS_PER_CASE = 12;

function roundTrip(message: SpecMessage, version: number, input: unknown, expected: unknown, what: string): void {
  const codec = codecFor(message);
  const writer = new Writer(64);
  codec.encode(writer, version, input);
  const bytes = Buffer.from(writer.finish());
  const reader = new Reader(bytes);
  const decoded = codec.decode(reader, version);
  assert.equal(reader.offset, bytes.length, `${what}: decoder left ${bytes.length - reader.offset} byte(s) unread`);
  assert.deepStrictEqual(decoded, expected, `${what}: decoded value differs`);
  const again = new Writer(16);
  codec.encode(again, version, decoded);
  assert.deepStrictEqual(again.finish(), bytes, `${what}: re-encoding the decoded value gives other bytes`);
}

const cases = allMessageVersions();
const byMessage = new Map<SpecMessage, number[]>();
for (const { message, version } of cases) byMessage.set(message, [...(byMessage.get(message) ?? []), version]);

let roundTripCases = 0;
let roundTripValues = 0;

describe('generated codecs round-trip every message, version and direction', () => {
  for (const [message, versions] of byMessage) {
    it(`${message.name} v${versions[0]}-${versions.at(-1)}`, () => {
      for (const version of versions) {
        // Every field left out: the encoder writes defaults and the decoder returns them.
        roundTrip(message, version, {}, defaultStruct(message.top, version), `${message.name} v${version} {}`);
        for (let seed = 1; seed <= SEEDS_PER_CASE; seed++) {
          const rng = new Rng(message.name.length * 1_000_003 + version * 7919 + seed);
          const { input, expected } = randomStruct(message, message.top, version, rng);
          roundTrip(message, version, input, expected, `${message.name} v${version} seed ${seed}`);
          roundTripValues++;
        }
        roundTripCases++;
      }
    });
  }

  it('covered every (API, version, direction) and every data/header version', () => {
    const messages = loadSpecMessages();
    const apiCases = messages
      .filter((m) => m.type === 'request' || m.type === 'response')
      .reduce((sum, m) => sum + m.validVersions.hi - m.validVersions.lo + 1, 0);
    const dataCases = messages
      .filter((m) => m.type === 'data' || m.type === 'header')
      .reduce((sum, m) => sum + m.validVersions.hi - m.validVersions.lo + 1, 0);
    assert.equal(roundTripCases, apiCases + dataCases);
    assert.equal(roundTripValues, roundTripCases * SEEDS_PER_CASE);
    // The Kafka 4.0-line specs: 88 APIs, 4 standalone structures.
    assert.equal(messages.filter((m) => m.type === 'request').length, 88);
    console.log(`round trips: ${apiCases} (API, version, direction) cases + ${dataCases} data/header versions, ${roundTripValues} random values`);
  });
});

describe('generated code matches the specs', () => {
  it('generate-protocol --check exits 0', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/generate-protocol.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(result.status, 0, `generator check failed:\n${result.stdout}\n${result.stderr}`);
  });
});
