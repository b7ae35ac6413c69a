/**
 * Golden bytes against kafka-python 2.0.2 (Debian's python3-kafka): for every request and response
 * class kafka-python defines (and its request header and consumer-protocol structures), the same
 * random values are encoded by kafka-python and by kafkats and the bytes must be identical; each
 * side's bytes are then decoded by the other and the values compared.
 *
 * kafka-python is checked against the Kafka spec here, not trusted blindly: where it disagrees with
 * the spec, the difference is listed below with the reason, and the test asserts that exactly
 * those differences (and no others) appear.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../../src/protocol/index.js';
import { codecFor } from './codec-lookup.js';
import { align, kafkaPythonAvailable, KafkaPythonPeer, type CatalogEntry, type Mapping } from './kafka-python-peer.js';
import { inRange, loadSpecMessages, randomStruct, Rng, type GenerateOptions, type SpecMessage } from './spec-values.js';

const VALUES_PER_PAIR = 8;
const OPTIONS: GenerateOptions = { omit: 0.1, nulls: 0.2, maxArray: 3, unknownTags: false };

/** Entries of kafka-python's per-API version lists that hold the wrong class (its own bookkeeping bugs). */
const KNOWN_LIST_ANOMALIES = [
  'ListGroupsRequest[2] is ListGroupsRequest_v2 (API_VERSION 1)',
  'AlterConfigsResponse[1] is AlterConfigsRequest_v1 (API_VERSION 1)',
];

/**
 * Where kafka-python 2.0.2 disagrees with the Kafka spec, by catalog entry, with the reason. Our
 * codec follows the spec; these entries are expected to fail the comparison (and must fail).
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'request:2:4': 'ListOffsetsRequest v4 current_leader_epoch is Int64 in kafka-python; the spec has int32 CurrentLeaderEpoch',
  'request:2:5': 'ListOffsetsRequest v5: the same int64 current_leader_epoch as v4',
  'response:0:8':
    'ProduceResponse v8: a misplaced parenthesis puts record_errors and error_message at the topic level; the spec has them per partition',
  'response:10:1': 'FindCoordinatorResponse v1 (GroupCoordinatorResponse_v1) lacks throttle_time_ms, which the spec has from v1',
  'response:15:3': 'DescribeGroupsResponse v3 has authorized_operations at the top level; the spec has it per group',
  'response:32:1': 'DescribeConfigsResponse v1 keeps is_default (bool, v0 only in the spec) where the spec has config_source (int8)',
  'request:29:2': 'DescribeAclsRequest v2 is flexible in the spec; kafka-python writes it with classic encodings',
  'response:29:2': 'DescribeAclsResponse v2 is flexible in the spec; kafka-python writes it with classic encodings',
};

function specFor(entry: CatalogEntry): SpecMessage | undefined {
  return loadSpecMessages().find((m) =>
    entry.kind === 'data' ? m.name === entry.message : m.type === entry.kind && m.apiKey === entry.apiKey,
  );
}

interface Outcome {
  checked: number;
  failure?: string;
}

async function crossCheck(peer: KafkaPythonPeer, entry: CatalogEntry, spec: SpecMessage, mapping: Mapping): Promise<Outcome> {
  const codec = codecFor(spec);
  const version = entry.version;
  let checked = 0;
  for (let seed = 1; seed <= VALUES_PER_PAIR; seed++) {
    const rng = new Rng(entry.name.length * 7_368_787 + version * 104_729 + seed * 31 + (entry.apiKey ?? 0));
    const { input, expected } = randomStruct(spec, spec.top, version, rng, OPTIONS);
    // kafka-python cannot encode these fields at all when non-empty (see the 'string-class' type).
    for (const name of mapping.brokenFields) input[name] = expected[name] = [];
    const positional = mapping.toPositional(expected);
    const encoded = await peer.call({ op: 'encode', name: entry.name, value: positional });
    if (!encoded.ok) return { checked, failure: `kafka-python cannot encode: ${encoded.error}` };
    const theirs = Buffer.from(encoded.hex as string, 'hex');

    const writer = new Writer();
    codec.encode(writer, version, input);
    const ours = entry.versionPrefix
      ? Buffer.concat([Buffer.from([version >> 8, version & 0xff]), writer.finish()])
      : Buffer.from(writer.finish());
    if (!ours.equals(theirs)) return { checked, failure: `bytes differ (seed ${seed}):\n  ours   ${ours.toString('hex')}\n  theirs ${theirs.toString('hex')}` };

    // Their bytes decoded by us give the value back.
    const reader = new Reader(theirs, entry.versionPrefix ? 2 : 0);
    assert.deepStrictEqual(codec.decode(reader, version), expected, `${entry.className} seed ${seed}: decoding kafka-python's bytes`);
    assert.equal(reader.remaining(), 0);
    // Our bytes decoded by kafka-python give the value back.
    const decoded = await peer.call({ op: 'decode', name: entry.name, hex: ours.toString('hex') });
    if (!decoded.ok) return { checked, failure: `kafka-python cannot decode our bytes: ${decoded.error}` };
    assert.deepStrictEqual(decoded.value, positional, `${entry.className} seed ${seed}: kafka-python decoding our bytes`);
    assert.equal(decoded.unread, 0);
    checked++;
  }
  return { checked };
}

const unavailable = kafkaPythonAvailable();

describe('golden bytes against kafka-python', { skip: unavailable ?? false }, () => {
  let peer: KafkaPythonPeer;
  let catalog: CatalogEntry[] = [];
  let anomalies: string[] = [];

  before(async () => {
    peer = new KafkaPythonPeer();
    const answer = await peer.call({ op: 'catalog' });
    assert.ok(answer.ok, answer.ok ? '' : answer.error);
    catalog = answer.catalog as CatalogEntry[];
    anomalies = answer.anomalies as string[];
  });

  after(async () => {
    assert.equal(await peer.close(), 0);
  });

  it("kafka-python's own version lists have exactly the known anomalies", () => {
    assert.deepEqual(anomalies, KNOWN_LIST_ANOMALIES);
  });

  it('every kafka-python class maps onto a kafkats codec and encodes to the same bytes', { timeout: 120_000 }, async () => {
    assert.ok(catalog.length >= 180, `catalog of ${catalog.length} entries`);
    const failures: Record<string, string> = {};
    const pairs = new Set<string>();
    let values = 0;
    let entries = 0;
    for (const entry of catalog) {
      const spec = specFor(entry);
      assert.ok(spec, `${entry.className}: no kafkats spec`);
      assert.ok(inRange(spec.validVersions, entry.version), `${entry.className}: version ${entry.version} not valid in the spec`);
      if (inRange(spec.flexibleVersions, entry.version)) {
        // kafka-python 2.0.2 has no compact types or tagged fields at all.
        failures[entry.name] = 'flexible version in the spec, written by kafka-python with classic encodings';
        continue;
      }
      let mapping: Mapping;
      try {
        mapping = align(spec.top, entry);
      } catch (error) {
        failures[entry.name] = `structure differs: ${(error as Error).message}`;
        continue;
      }
      const outcome = await crossCheck(peer, entry, spec, mapping);
      values += outcome.checked;
      if (outcome.failure) {
        failures[entry.name] = outcome.failure;
        continue;
      }
      entries++;
      pairs.add(entry.kind === 'data' ? `${entry.message} v${entry.version}` : `${spec.apiName} v${entry.version}`);
    }
    console.log(
      `kafka-python: ${entries} classes checked byte for byte (${pairs.size} API/structure versions), ${values} values; ` +
        `${Object.keys(failures).length} known difference(s)`,
    );
    for (const [name, reason] of Object.entries(failures)) console.log(`  ${name}: ${reason}`);
    assert.deepEqual(Object.keys(failures).sort(), Object.keys(KNOWN_DIFFERENCES).sort());
  });

  it('kafka-python really cannot encode a non-empty FetchRequest v7-v11 forgotten-topics list (String class bug)', async () => {
    // The bug is confined to those versions: every other class maps without broken fields.
    const broken = catalog.filter((e) => {
      const spec = specFor(e)!;
      if (inRange(spec.flexibleVersions, e.version)) return false;
      try {
        return align(spec.top, e).brokenFields.length > 0;
      } catch {
        return false;
      }
    });
    assert.deepEqual(broken.map((e) => e.version).sort((a, b) => a - b), [7, 8, 9, 10, 11]);
    assert.ok(broken.every((e) => e.kind === 'request' && e.apiKey === 1));
    const entry = catalog.find((e) => e.kind === 'request' && e.apiKey === 1 && e.version === 7)!;
    const spec = specFor(entry)!;
    const mapping = align(spec.top, entry);
    assert.deepEqual(mapping.brokenFields, ['forgottenTopicsData']);
    const value = mapping.toPositional({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [],
      forgottenTopicsData: [{ topic: 't', partitions: [1] }],
    });
    const answer = await peer.call({ op: 'encode', name: entry.name, value });
    assert.equal(answer.ok, false);
  });
});
