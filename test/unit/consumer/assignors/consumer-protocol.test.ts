import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../../src/consumer/assignors/index.js';
import { KafkaDecodeError, KafkaError, KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';
import { askKafkaPython, kafkaPythonMissing, names, seededRandom, tp } from './helpers.js';

/** Hex with spaces and newlines allowed, for readable golden bytes. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

// Golden bytes, derived field by field from ConsumerProtocolSubscription.json:
//   int16 version | [string] topics | nullable bytes userData
//   | v1+: [ {string topic, [int32] partitions} ] ownedPartitions | v2+: int32 generationId
//   | v3+: nullable string rackId
const TOPICS = '00000002 0002 7430 0002 7431'; // ["t0", "t1"]
const USER_DATA = '00000003 010203';
const OWNED = '00000002 0002 7430 00000002 00000000 00000001 0002 7431 00000001 00000002'; // t0:[0,1] t1:[2]
const GOLDEN_SUBSCRIPTIONS: Record<number, string> = {
  0: `0000 ${TOPICS} ${USER_DATA}`,
  1: `0001 ${TOPICS} ${USER_DATA} ${OWNED}`,
  2: `0002 ${TOPICS} ${USER_DATA} ${OWNED} 00000007`,
  3: `0003 ${TOPICS} ${USER_DATA} ${OWNED} 00000007 0002 7231`,
};
const SUBSCRIPTION = {
  // Unsorted, with a repeat: written sorted and once, as Java writes them.
  topics: ['t1', 't0', 't1'],
  userData: Buffer.from([1, 2, 3]),
  ownedPartitions: [tp('t1', 2), tp('t0', 1), tp('t0', 0)],
  generationId: 7,
  rackId: 'r1',
};

describe('consumer protocol: subscription', () => {
  for (const version of [0, 1, 2, 3]) {
    it(`encodes version ${version} to the golden bytes and decodes them back`, () => {
      const bytes = encodeSubscription(SUBSCRIPTION, version);
      assert.equal(bytes.toString('hex'), hex(GOLDEN_SUBSCRIPTIONS[version]!).toString('hex'));
      const decoded = decodeSubscription(bytes);
      assert.equal(decoded.version, version);
      assert.deepEqual(decoded.topics, ['t0', 't1']);
      assert.deepEqual([...decoded.userData!], [1, 2, 3]);
      assert.deepEqual(names(decoded.ownedPartitions), version >= 1 ? ['t0-0', 't0-1', 't1-2'] : []);
      assert.equal(decoded.generationId, version >= 2 ? 7 : -1);
      assert.equal(decoded.rackId, version >= 3 ? 'r1' : null);
    });
  }

  it('writes version 3 by default, with the defaults for missing fields', () => {
    const bytes = encodeSubscription({ topics: ['a'] });
    assert.equal(bytes.toString('hex'), hex('0003 00000001 0001 61 ffffffff 00000000 ffffffff ffff').toString('hex'));
  });

  it('writes an empty rack id as none and reads an empty rack id as none (Java)', () => {
    assert.equal(decodeSubscription(encodeSubscription({ topics: [], rackId: '' })).rackId, null);
    const emptyRack = hex('0003 00000000 ffffffff 00000000 ffffffff 0000');
    assert.equal(decodeSubscription(emptyRack).rackId, null);
  });

  it('reads a newer version with the fields it knows and ignores the rest', () => {
    const v4 = Buffer.concat([hex('0004'), hex(GOLDEN_SUBSCRIPTIONS[3]!).subarray(2), hex('0000002a 01 02 03')]);
    const decoded = decodeSubscription(v4);
    assert.equal(decoded.version, 4);
    assert.deepEqual(decoded.topics, ['t0', 't1']);
    assert.deepEqual(names(decoded.ownedPartitions), ['t0-0', 't0-1', 't1-2']);
    assert.equal(decoded.generationId, 7);
    assert.equal(decoded.rackId, 'r1');
  });

  it('ignores bytes after the struct (kafka-python and older clients append nothing; newer ones might)', () => {
    const decoded = decodeSubscription(Buffer.concat([hex(GOLDEN_SUBSCRIPTIONS[0]!), hex('ffff')]));
    assert.deepEqual(decoded.topics, ['t0', 't1']);
  });

  it('refuses malformed bytes with KafkaDecodeError', () => {
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['one byte', hex('00')],
      ['negative version', hex(`ffff ${TOPICS} ffffffff`)],
      ['truncated topics', hex('0000 00000002 0002 7430')],
      ['huge topic count', hex('0000 7fffffff 0002 7430')],
      ['null topics', hex('0000 ffffffff ffffffff')],
      ['bad user data length', hex(`0000 ${TOPICS} fffffff0`)],
      ['truncated owned partitions', hex(`0001 ${TOPICS} ffffffff 00000001 0002 7430 00000005 00000000`)],
    ];
    for (const [label, bytes] of cases) {
      assert.throws(() => decodeSubscription(bytes), KafkaDecodeError, label);
    }
  });

  it('refuses unencodable input with a typed error', () => {
    assert.throws(() => encodeSubscription({ topics: ['a'] }, 4), KafkaInvalidArgumentError);
    assert.throws(() => encodeSubscription({ topics: ['a'] }, -1), KafkaInvalidArgumentError);
    assert.throws(() => encodeSubscription({ topics: ['a'], ownedPartitions: [tp('a', 2 ** 31)] }), KafkaError);
    assert.throws(() => encodeSubscription({ topics: ['a'], generationId: 1.5 }), KafkaError);
  });
});

describe('consumer protocol: assignment', () => {
  // int16 version | [ {string topic, [int32] partitions} ] | nullable bytes userData
  const ASSIGNED = '00000002 0002 7431 00000002 00000005 00000001 0002 7430 00000001 00000003';
  for (const version of [0, 1, 2, 3]) {
    it(`encodes version ${version} to the golden bytes and decodes them back`, () => {
      // Grouped by topic in order of first appearance, partitions in the order given (as Java).
      const partitions = [tp('t1', 5), tp('t0', 3), tp('t1', 1)];
      const bytes = encodeAssignment({ partitions, userData: Buffer.from('hi') }, version);
      assert.equal(bytes.toString('hex'), hex(`000${version} ${ASSIGNED} 00000002 6869`).toString('hex'));
      const decoded = decodeAssignment(bytes);
      assert.equal(decoded.version, version);
      assert.deepEqual(decoded.partitions, [tp('t1', 5), tp('t1', 1), tp('t0', 3)]);
      assert.equal(decoded.userData!.toString(), 'hi');
    });
  }

  it('writes null user data as length -1 and reads a newer version', () => {
    assert.equal(encodeAssignment({ partitions: [] }).toString('hex'), '000300000000ffffffff');
    const decoded = decodeAssignment(hex(`0009 ${ASSIGNED} ffffffff 12345678`));
    assert.equal(decoded.version, 9);
    assert.equal(decoded.partitions.length, 3);
    assert.equal(decoded.userData, null);
  });

  it('refuses malformed bytes with KafkaDecodeError', () => {
    for (const bytes of [Buffer.alloc(1), hex('8000 00000000 ffffffff'), hex('0000 00000001 0002'), hex('0000 00000000')]) {
      assert.throws(() => decodeAssignment(bytes), KafkaDecodeError);
    }
  });
});

const missing = kafkaPythonMissing();

describe('consumer protocol: byte-for-byte against kafka-python (v0)', { skip: missing ?? false }, () => {
  it('subscriptions and assignments of random members encode identically and decode each other', () => {
    const rng = seededRandom(54);
    const requests: Record<string, unknown>[] = [];
    const expected: { subscription: Buffer; topics: string[]; userData: Buffer | null; grouped: [string, number[]][] }[] = [];
    for (let i = 0; i < 150; i++) {
      const topics = [...new Set(Array.from({ length: rng.int(0, 6) }, () => `topic-${rng.int(0, 30)}`))].sort();
      const userData = rng.next() < 0.3 ? null : Buffer.from(Array.from({ length: rng.int(0, 20) }, () => rng.int(0, 255)));
      const grouped: [string, number[]][] = topics.map((topic) => [topic, Array.from({ length: rng.int(0, 5) }, () => rng.int(0, 99))]);
      const subscription = encodeSubscription({ topics, userData }, 0);
      const userHex = userData === null ? null : userData.toString('hex');
      requests.push({ op: 'encode_metadata', version: 0, topics, user_data: userHex });
      requests.push({ op: 'encode_assignment', version: 0, assignment: grouped.filter(([, ps]) => ps.length > 0), user_data: userHex });
      requests.push({ op: 'decode_metadata', hex: encodeSubscription({ topics, userData, ownedPartitions: [tp('x', 1)], generationId: 4, rackId: 'r' }).toString('hex') });
      requests.push({ op: 'decode_assignment', hex: encodeAssignment({ partitions: [tp('x', 1)], userData }, 3).toString('hex') });
      expected.push({ subscription, topics, userData, grouped });
    }
    const answers = askKafkaPython(requests);
    expected.forEach((want, i) => {
      const [metadata, assignment, decodedV3, decodedAssignment] = answers.slice(4 * i, 4 * i + 4);
      assert.ok(metadata!.ok && assignment!.ok && decodedV3!.ok && decodedAssignment!.ok, JSON.stringify(answers.slice(4 * i, 4 * i + 4)));
      assert.equal(metadata!.hex, want.subscription.toString('hex'));
      // A topic with no partitions is still written by us; kafka-python was given only non-empty ones.
      const nonEmpty = want.grouped.filter(([, ps]) => ps.length > 0);
      const ours = encodeAssignment({ partitions: nonEmpty.flatMap(([topic, ps]) => ps.map((p) => tp(topic, p))), userData: want.userData }, 0);
      assert.equal(assignment!.hex, ours.toString('hex'));
      // kafka-python, which knows only v0, reads our v3 subscription and assignment.
      assert.deepEqual(decodedV3!.topics, want.topics);
      assert.equal(decodedV3!.user_data, want.userData === null ? null : want.userData.toString('hex'));
      assert.deepEqual(decodedAssignment!.assignment, [['x', [1]]]);
      // And we read kafka-python's bytes.
      const back = decodeSubscription(Buffer.from(metadata!.hex as string, 'hex'));
      assert.deepEqual(back.topics, want.topics);
      assert.deepEqual(back.userData === null ? null : [...back.userData], want.userData === null ? null : [...want.userData]);
    });
  });

  it('kafka-python writes empty user data in its assignments where Java writes null; both read', () => {
    const [answer] = askKafkaPython([{ op: 'encode_assignment', version: 0, assignment: [['t', [0]]], user_data: '' }]);
    const decoded = decodeAssignment(Buffer.from(answer!.hex as string, 'hex'));
    assert.deepEqual(decoded.partitions, [tp('t', 0)]);
    assert.equal(decoded.userData!.length, 0);
    assert.equal(encodeAssignment({ partitions: [tp('t', 0)], userData: Buffer.alloc(0) }, 0).toString('hex'), answer!.hex);
  });
});
