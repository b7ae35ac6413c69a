import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiVersionTable, LATEST_RELEASE, parseRelease } from '../../../src/broker/api-version-table.js';
import { KAFKA_RELEASES, KAFKA_RELEASE_MAX_VERSIONS } from '../../../src/protocol/kafka-releases.js';

const implemented = new Map([
  [0, { min: 0, max: 11 }],
  [1, { min: 0, max: 17 }],
  [3, { min: 0, max: 12 }],
  [47, { min: 0, max: 0 }],
]);

describe('ApiVersionTable', () => {
  it('parses release names and patch versions', () => {
    assert.deepEqual(['3.7', '3.7.1', '0.11', '0.11.0.2', '0.10.2.1', '4.0.0', '2.1'].map(parseRelease), ['3.7', '3.7', '0.11.0', '0.11.0', '0.10.2', '4.0', '2.1']);
    assert.deepEqual(['4.2', 'latest', '3', '', '3.x', '0.9'].map(parseRelease), [undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.equal(LATEST_RELEASE, '4.0');
    assert.equal(KAFKA_RELEASES.length, 26);
  });

  it('intersects what is implemented with what the release had', () => {
    const kafka40 = new ApiVersionTable('4.0', implemented);
    assert.deepEqual([...kafka40.all()], [
      [0, { min: 0, max: 11 }],
      [1, { min: 4, max: 17 }],
      [3, { min: 0, max: 12 }],
      [47, { min: 0, max: 0 }],
    ]);
    const kafka21 = new ApiVersionTable('2.1', implemented);
    assert.deepEqual([...kafka21.all()], [
      [0, { min: 0, max: 7 }],
      [1, { min: 0, max: 10 }],
      [3, { min: 0, max: 7 }],
    ]);
    assert.equal(KAFKA_RELEASE_MAX_VERSIONS['2.1'][47], undefined);
  });

  it('accepts the advertised versions, except those a release advertised but refused', () => {
    const table = new ApiVersionTable('4.0', implemented);
    assert.deepEqual([0, 2, 3, 11, 12].map((version) => table.accepts(0, version)), [false, false, true, true, false]);
    assert.deepEqual([3, 4].map((version) => table.accepts(1, version)), [false, true]);
    assert.equal(table.accepts(18, 0), false);
    assert.deepEqual([0, 2].map((version) => new ApiVersionTable('3.9', implemented).accepts(0, version)), [true, true]);
  });

  it('narrows, removes and restores ranges within what is implemented', () => {
    const table = new ApiVersionTable('4.0', implemented);
    table.set(3, 1, 4);
    table.set(47, -1, -1);
    assert.deepEqual([table.advertised(3), table.advertised(47), table.accepts(3, 5), table.accepts(47, 0)], [{ min: 1, max: 4 }, undefined, false, false]);
    assert.throws(() => table.set(3, 0, 13), /outside the implemented 0\.\.12/);
    assert.throws(() => table.set(3, 5, 4), /outside the implemented/);
    assert.throws(() => table.set(60, 0, 0), /no handler for API key 60/);
    assert.throws(() => table.set(3, 0.5, 4), /integer/);
    table.set(3, 0, 12);
    table.set(47, 0, 0);
    assert.deepEqual([table.advertised(3), table.advertised(47), table.accepts(47, 0)], [{ min: 0, max: 12 }, { min: 0, max: 0 }, true]);
  });
});
