import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerOption, stringOption } from '../../../src/cli/option-values.js';
import type { CommandContext } from '../../../src/cli/registry.js';

function context(values: Record<string, string | boolean>): CommandContext {
  return { values, positionals: [] } as unknown as CommandContext;
}

test('stringOption gives the text, or undefined for flags and absent options', () => {
  assert.equal(stringOption(context({ topic: 'orders', json: true }), 'topic'), 'orders');
  assert.equal(stringOption(context({ json: true }), 'json'), undefined);
  assert.equal(stringOption(context({}), 'topic'), undefined);
});

test('integerOption checks the range and names the option in its error', () => {
  assert.equal(integerOption(context({ count: '12' }), 'count', 1), 12);
  assert.equal(integerOption(context({ offset: '-3' }), 'offset', -10, 10), -3);
  assert.equal(integerOption(context({}), 'count', 1), undefined);
  assert.throws(() => integerOption(context({ count: '0' }), 'count', 1), /^KafkaInvalidArgumentError: --count must be an integer of at least 1, got '0'$/);
  assert.throws(() => integerOption(context({ port: '70000' }), 'port', 0, 65535), /--port must be an integer from 0 to 65535, got '70000'/);
  assert.throws(() => integerOption(context({ count: '1.5' }), 'count', 1), /got '1.5'/);
  assert.throws(() => integerOption(context({ count: '99999999999999999999' }), 'count', 1), /must be an integer/);
});
