/**
 * Inferring a broker's Kafka release from its API version ranges, and the release table itself,
 * checked against kafka-python's own inference for the releases it knows (0.10.0 to 2.5).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KAFKA_RELEASES, inferBrokerRelease, legacyVersionTable, releaseVersionTable, type AdvertisedRange } from '../../../src/cluster/releases.js';
import { KAFKA_RELEASES as OBSERVED_RELEASES, KAFKA_RELEASE_MAX_VERSIONS } from '../../../src/protocol/kafka-releases.js';
import { runPython } from '../../support/peers.js';
import { repoRoot } from '../../support/repo.js';

type Ranges = Map<number, AdvertisedRange>;

function table(release: string): Ranges {
  const ranges = releaseVersionTable(release);
  assert.ok(ranges, `no table for ${release}`);
  return ranges;
}

/** A release's full ApiVersions answer as real brokers gave it (src/protocol/kafka-releases.ts). */
function observed(release: (typeof OBSERVED_RELEASES)[number]): Ranges {
  return new Map(Object.entries(KAFKA_RELEASE_MAX_VERSIONS[release]).map(([key, max]) => [Number(key), { min: 0, max }]));
}

function withMax(ranges: Ranges, apiKey: number, max: number): Ranges {
  const copy = new Map(ranges);
  copy.set(apiKey, { min: 0, max });
  return copy;
}

/** librdkafka 2.0.2's mock cluster, as its harness reports it (api key: min-max). */
const RDKAFKA_MOCK = new Map(
  Object.entries({ 0: [0, 7], 1: [0, 11], 2: [0, 5], 3: [0, 2], 8: [0, 7], 9: [0, 5], 10: [0, 2], 11: [0, 5], 12: [0, 3], 13: [0, 1], 14: [0, 3], 18: [0, 2], 22: [0, 4], 24: [0, 1], 25: [0, 1], 26: [0, 1], 28: [0, 2] }).map(
    ([key, [min, max]]) => [Number(key), { min: min!, max: max! }],
  ),
);

describe('release table', () => {
  it('covers 0.8.0 to 4.0 (and 4.1), oldest first, each release named once', () => {
    const names = KAFKA_RELEASES.map((entry) => entry.release);
    assert.equal(names[0], '0.8.0');
    assert.ok(names.includes('4.0'));
    assert.equal(new Set(names).size, names.length);
    const order = (name: string) => name.split('.').map(Number);
    for (let index = 1; index < names.length; index++) {
      const [a, b] = [order(names[index - 1]!), order(names[index]!)];
      assert.ok(a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && (a[2] ?? 0) < (b[2] ?? 0)))), `${names[index - 1]} before ${names[index]}`);
    }
  });

  it('gives the pre-0.10 tables used for brokers without ApiVersions', () => {
    assert.deepEqual(
      [...legacyVersionTable('0.9.0')].map(([key, range]) => [key, range.max]),
      [[0, 1], [1, 1], [2, 0], [3, 0], [8, 2], [9, 1], [10, 0], [11, 0], [12, 0], [13, 0], [14, 0], [15, 0], [16, 0]],
    );
    assert.deepEqual([...legacyVersionTable('0.8.0').keys()], [0, 1, 2, 3]);
  });

  it('never lowers or drops a client API from one release to the next (inference stops at the first miss)', () => {
    for (let index = 1; index < KAFKA_RELEASES.length; index++) {
      const [before, after] = [table(KAFKA_RELEASES[index - 1]!.release), table(KAFKA_RELEASES[index]!.release)];
      for (const [key, range] of before) assert.ok((after.get(key)?.max ?? -1) >= range.max, `${KAFKA_RELEASES[index]!.release}: API ${key}`);
    }
  });
});

describe('release inference', () => {
  it('recognises every release from its own table, exactly', () => {
    for (const { release } of KAFKA_RELEASES) {
      const inferred = inferBrokerRelease(table(release));
      const expected = release === '3.4' ? '3.3' : release;
      assert.equal(inferred.release, expected, `table of ${release}`);
      assert.equal(inferred.exact, true, `table of ${release}`);
      assert.deepEqual(inferred.indistinguishableFrom, expected === '3.3' ? ['3.4'] : [], `table of ${release}`);
    }
  });

  it('ignores inter-broker, KRaft-only and unknown APIs', () => {
    const zk28 = new Map(table('2.8'));
    for (const [key, max] of [[4, 5], [5, 3], [6, 7], [7, 3], [27, 1], [56, 0], [57, 0], [9999, 4]] as const) zk28.set(key, { min: 0, max });
    assert.deepEqual(inferBrokerRelease(zk28), {
      release: '2.8',
      exact: true,
      indistinguishableFrom: [],
      missingForNext: { release: '3.0', apis: [
        { api: 'ListOffsets', apiKey: 2, version: 7, brokerMax: 6 },
        { api: 'OffsetFetch', apiKey: 9, version: 8, brokerMax: 7 },
        { api: 'FindCoordinator', apiKey: 10, version: 4, brokerMax: 3 },
        { api: 'DescribeTransactions', apiKey: 65, version: 0, brokerMax: null },
        { api: 'ListTransactions', apiKey: 66, version: 0, brokerMax: null },
      ] },
      newestFeature: { release: '2.8', api: 'Produce', version: 9 },
    });
  });

  it('falls back to the newest release the broker fully supports, saying what is missing', () => {
    const inferred = inferBrokerRelease(withMax(table('3.7'), 1, 15));
    assert.equal(inferred.release, '3.6');
    assert.equal(inferred.exact, false);
    assert.deepEqual(inferred.missingForNext, { release: '3.7', apis: [{ api: 'Fetch', apiKey: 1, version: 16, brokerMax: 15 }] });
    assert.deepEqual(inferred.newestFeature, { release: '3.7', api: 'Produce', version: 10 });
  });

  it('reports a broker with one newer API as the release it fully matches, not exactly', () => {
    const inferred = inferBrokerRelease(withMax(table('3.7'), 0, 11));
    assert.equal(inferred.release, '3.7');
    assert.equal(inferred.exact, false);
    assert.deepEqual(inferred.newestFeature, { release: '3.8', api: 'Produce', version: 11 });
  });

  it('reports the newest known release for a newer broker', () => {
    const inferred = inferBrokerRelease(withMax(table('4.1'), 0, 14));
    assert.equal(inferred.release, '4.1');
    assert.equal(inferred.missingForNext, null);
  });

  it('infers 0.8.2 for librdkafka\'s mock: it lacks DescribeGroups and ListGroups, though its newest API version is from 2.7', () => {
    assert.deepEqual(inferBrokerRelease(RDKAFKA_MOCK), {
      release: '0.8.2',
      exact: false,
      indistinguishableFrom: [],
      missingForNext: { release: '0.9.0', apis: [
        { api: 'DescribeGroups', apiKey: 15, version: 0, brokerMax: null },
        { api: 'ListGroups', apiKey: 16, version: 0, brokerMax: null },
      ] },
      newestFeature: { release: '2.7', api: 'InitProducerId', version: 4 },
    });
  });

  it('says nothing for a peer without even 0.8.0\'s APIs', () => {
    const inferred = inferBrokerRelease(new Map([[18, { min: 0, max: 3 }]]));
    assert.equal(inferred.release, null);
    assert.equal(inferred.missingForNext?.release, '0.8.0');
  });

  it('recognises every release from the ApiVersions answers of real brokers (the embedded broker\'s table)', () => {
    // The full answers include the inter-broker APIs of these ZooKeeper-mode brokers, which tell
    // 3.4 (LeaderAndIsr v7, ...) from 3.3 where the client APIs cannot.
    for (const release of OBSERVED_RELEASES) {
      const inferred = inferBrokerRelease(observed(release));
      assert.equal(inferred.release, release, `observed ${release}`);
      assert.equal(inferred.exact, true, `observed ${release}`);
      assert.deepEqual(inferred.indistinguishableFrom, [], `observed ${release}`);
    }
  });

  it('tells 3.4 from 3.3 by the inter-broker APIs a ZooKeeper-mode broker advertises', () => {
    assert.deepEqual(inferBrokerRelease(observed('3.4')).newestFeature, { release: '3.4', api: 'LeaderAndIsr', version: 7 });
    assert.deepEqual(inferBrokerRelease(observed('3.3')).missingForNext, { release: '3.4', apis: [
      { api: 'LeaderAndIsr', apiKey: 4, version: 7, brokerMax: 6 },
      { api: 'StopReplica', apiKey: 5, version: 4, brokerMax: 3 },
      { api: 'UpdateMetadata', apiKey: 6, version: 8, brokerMax: 7 },
      { api: 'Envelope', apiKey: 58, version: 0, brokerMax: null },
    ] });
    // Only some of them: not enough to tell.
    const partial = withMax(table('3.4'), 4, 7);
    assert.deepEqual([inferBrokerRelease(partial).release, inferBrokerRelease(partial).indistinguishableFrom], ['3.3', ['3.4']]);
  });

  it('agrees with kafka-python\'s inference for every release it knows', async () => {
    const tables = Object.fromEntries(KAFKA_RELEASES.map(({ release }) => [release, Object.fromEntries([...table(release)].map(([key, range]) => [key, [range.min, range.max]]))]));
    const result = await runPython(join(repoRoot(), 'test', 'unit', 'cluster', 'kafka_python_infer.py'), [], { stdin: JSON.stringify(tables) });
    const answers = JSON.parse(result.stdout.toString('utf8')) as Record<string, string>;
    const asTriple = (release: string) => [...release.split('.'), '0', '0'].slice(0, 3).join('.');
    const known = KAFKA_RELEASES.map((entry) => entry.release);
    const first = known.indexOf('0.10.0');
    const last = known.indexOf('2.5');
    for (const [index, release] of known.entries()) {
      if (index < first) continue;
      // kafka-python's newest marker is 2.5: it calls everything after that 2.5.
      const expected = index <= last ? asTriple(release) : '2.5.0';
      assert.equal(answers[release], expected, `kafka-python on the ${release} table`);
    }
    assert.equal(answers['0.10.2'], '0.10.2');
  });
});
