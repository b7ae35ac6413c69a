/**
 * The CLI's aligned tables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIds, formatTable } from '../../../src/cli/table.js';

describe('formatTable', () => {
  it('aligns columns, right-aligns the numeric ones, shows missing cells as -', () => {
    const text = formatTable(
      ['API', 'KEY', 'USED'],
      [
        ['Produce', 0, 7],
        ['ApiVersions', 18, null],
      ],
      { rightAligned: [1, 2], indent: '  ' },
    );
    assert.equal(text, ['  API          KEY  USED', '  Produce        0     7', '  ApiVersions   18     -'].join('\n'));
  });

  it('lists ids with commas', () => {
    assert.equal(formatIds([1, 2, 3]), '1,2,3');
    assert.equal(formatIds([]), '-');
  });
});
