import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicConfigError, describeTopicConfigs, effectiveTopicConfig, validateTopicConfigs } from '../../../src/broker/topic-config.js';

const defaults = { retentionBytes: 1000, maxMessageBytes: 2000, timestampAfterMaxMs: 3_600_000 };

describe('topic configs', () => {
  it('resolves the settings the broker acts on, falling back to the cluster defaults', () => {
    assert.deepEqual(effectiveTopicConfig(new Map(), defaults), {
      retentionBytes: 1000,
      maxMessageBytes: 2000,
      logAppendTime: false,
      compacted: false,
      timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
      timestampAfterMaxMs: 3_600_000,
    });
    const configs = new Map([
      ['retention.bytes', '-1'],
      ['max.message.bytes', '512'],
      ['message.timestamp.type', 'LogAppendTime'],
      ['cleanup.policy', 'delete, compact'],
      ['message.timestamp.difference.max.ms', '60000'],
      ['message.timestamp.after.max.ms', '9223372036854775807'],
    ]);
    validateTopicConfigs(configs);
    assert.deepEqual(effectiveTopicConfig(configs, defaults), {
      retentionBytes: 1000,
      maxMessageBytes: 512,
      logAppendTime: true,
      compacted: true,
      timestampBeforeMaxMs: 60_000,
      timestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
    });
  });

  it('refuses unknown names and bad values with Kafka\'s messages', () => {
    const refused = (name: string, value: string): string => {
      try {
        validateTopicConfigs(new Map([[name, value]]));
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof TopicConfigError);
        return error.message;
      }
    };
    assert.equal(refused('retention.byte', '1'), 'Unknown topic config name: retention.byte');
    assert.equal(refused('retention.bytes', 'lots'), 'Invalid value lots for configuration retention.bytes: Not a number of type LONG');
    assert.equal(refused('retention.bytes', '-2'), 'Invalid value -2 for configuration retention.bytes: Value must be at least -1');
    assert.equal(refused('max.message.bytes', '3000000000'), 'Invalid value 3000000000 for configuration max.message.bytes: Not a number of type INT');
    assert.equal(refused('cleanup.policy', 'forever'), 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete');
    assert.equal(refused('segment.bytes', 'anything'), 'accepted');
  });

  it('describes every Kafka topic config with its source', () => {
    const described = describeTopicConfigs(new Map([['retention.ms', '1000']]), defaults);
    const byName = new Map(described.map((config) => [config.name, config]));
    assert.equal(described.length, 36);
    assert.deepEqual(byName.get('retention.ms'), { name: 'retention.ms', value: '1000', source: 1 });
    assert.deepEqual(byName.get('retention.bytes'), { name: 'retention.bytes', value: '1000', source: 5 });
    assert.deepEqual(byName.get('max.message.bytes'), { name: 'max.message.bytes', value: '2000', source: 5 });
    assert.deepEqual(byName.get('message.timestamp.after.max.ms'), { name: 'message.timestamp.after.max.ms', value: '3600000', source: 5 });
  });
});
