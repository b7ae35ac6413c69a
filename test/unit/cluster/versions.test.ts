/**
 * Version picking: our range (unstable versions left out), min(ours, broker, pin), errors naming
 * the API and the broker, the negotiated table's rows, and the ApiVersions v3 software fields.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BrokerVersions, CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_PATTERN, CLIENT_SOFTWARE_VERSION, clientVersionRange, pickVersion } from '../../../src/cluster/versions.js';
import { KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import { ApiVersions, EndTxn, Fetch, Produce, ShareFetch } from '../../../src/protocol/generated/index.js';
import { repoRoot } from '../../support/repo.js';

function unsupported(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof KafkaUnsupportedVersionError);
    assert.equal(error.code, 35);
    return error.message;
  }
  assert.fail('no error thrown');
}

describe('version picking', () => {
  it('offers the descriptor range minus an unstable latest version', () => {
    assert.deepEqual(clientVersionRange(Produce), { min: Produce.minVersion, max: Produce.maxVersion });
    assert.equal(EndTxn.latestVersionUnstable, true);
    assert.deepEqual(clientVersionRange(EndTxn), { min: 0, max: EndTxn.maxVersion - 1 });
    // ShareFetch has a single, unstable version: nothing to offer.
    assert.equal(ShareFetch.minVersion, ShareFetch.maxVersion);
    assert.equal(clientVersionRange(ShareFetch), null);
  });

  it('picks min(ours, the broker\'s max, the pin)', () => {
    assert.equal(pickVersion(Produce, { min: 0, max: 7 }, undefined, 'broker 1'), 7);
    assert.equal(pickVersion(Produce, { min: 3, max: 99 }, undefined, 'broker 1'), Produce.maxVersion);
    assert.equal(pickVersion(Produce, { min: 3, max: 99 }, 5, 'broker 1'), 5);
    assert.equal(pickVersion(Fetch, { min: 4, max: 17 }, 4, 'broker 1'), 4);
  });

  it('fails naming the API and the broker when there is no common version', () => {
    assert.equal(
      unsupported(() => pickVersion(Produce, { min: 12, max: 13 }, undefined, 'broker 3 (k3:9092)')),
      `broker 3 (k3:9092) supports Produce v12-13 and kafkats v0-${Produce.maxVersion}: no version in common`,
    );
    assert.equal(
      unsupported(() => pickVersion(Fetch, { min: 4, max: 17 }, 3, 'broker 1 (k1:9092)')),
      'broker 1 (k1:9092) supports Fetch v4-17 and kafkats v0-17, pinned to at most v3 by maxApiVersions: no version in common',
    );
    assert.equal(unsupported(() => pickVersion(Produce, undefined, undefined, 'broker 2 (k2:9092)')), 'broker 2 (k2:9092) does not support Produce (API key 0)');
    assert.equal(unsupported(() => pickVersion(ShareFetch, { min: 0, max: 1 }, undefined, 'broker 2')), 'kafkats offers no stable version of ShareFetch (needed with broker 2)');
  });

  it('lists every advertised API with ours and the chosen version', () => {
    const versions = new BrokerVersions(
      'broker 1 (k:9092)',
      new Map([
        [9999, { min: 0, max: 3 }],
        [0, { min: 0, max: 7 }],
        [1, { min: 12, max: 13 }],
      ]),
      { kind: 'api-versions', version: 3 },
      new Map([[0, 5]]),
    );
    assert.deepEqual(versions.rows(), [
      { api: 'Produce', apiKey: 0, brokerMin: 0, brokerMax: 7, clientMin: 0, clientMax: Produce.maxVersion, pinned: 5, chosen: 5 },
      { api: 'Fetch', apiKey: 1, brokerMin: 12, brokerMax: 13, clientMin: 0, clientMax: Fetch.maxVersion, pinned: null, chosen: 13 },
      { api: 'Unknown(9999)', apiKey: 9999, brokerMin: 0, brokerMax: 3, clientMin: null, clientMax: null, pinned: null, chosen: null },
    ]);
    assert.equal(versions.pick(Produce), 5);
    assert.equal(versions.tryPick(ApiVersions), null);
  });

  it('sends a client software name and version that Kafka\'s KIP-511 pattern accepts, the package version', () => {
    assert.equal(CLIENT_SOFTWARE_NAME, 'kafkats');
    assert.match(CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_PATTERN);
    assert.match(CLIENT_SOFTWARE_VERSION, CLIENT_SOFTWARE_PATTERN);
    const manifest = JSON.parse(readFileSync(`${repoRoot()}/package.json`, 'utf8')) as { version: string };
    assert.equal(CLIENT_SOFTWARE_VERSION, manifest.version);
    for (const bad of ['-x', 'x-', 'a b', '', 'é']) assert.doesNotMatch(bad, CLIENT_SOFTWARE_PATTERN);
  });
});
