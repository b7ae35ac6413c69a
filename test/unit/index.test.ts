/**
 * The package's main entry: everything a user reaches for is exported from one place, and every
 * exported error class belongs to the one hierarchy (KafkaError).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as kafkats from '../../src/index.js';

describe('kafkats main entry', () => {
  it('exports the clients, the assignors and the helpers', () => {
    for (const name of ['KafkaClient', 'KafkaProducer', 'KafkaConsumer', 'ConsumerRecord', 'ConsumerRecords', 'RangeAssignor', 'RoundRobinAssignor', 'StickyAssignor', 'CooperativeStickyAssignor'] as const) {
      assert.equal(typeof kafkats[name], 'function', name);
    }
    assert.equal(kafkats.murmur2(Buffer.from('21')), -973932308);
    assert.equal(kafkats.partitionForKey(Buffer.from('21'), 10), kafkats.partitionForKey(Buffer.from('21'), 10));
  });

  it('exports only error classes that extend KafkaError', () => {
    const errors = Object.entries(kafkats).filter(([name]) => /^Kafka.*Error$/.test(name));
    assert.ok(errors.length >= 20, `${errors.length} error classes`);
    for (const [name, value] of errors) {
      assert.equal(typeof value, 'function', name);
      assert.ok(value === kafkats.KafkaError || (value as { prototype: unknown }).prototype instanceof kafkats.KafkaError, `${name} extends KafkaError`);
    }
  });
});
