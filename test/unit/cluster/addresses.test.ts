/**
 * Parsing bootstrapServers: lists, arrays, IPv6 in brackets, default port, and clear errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBrokerAddress, parseBootstrapServers, parseBrokerAddress } from '../../../src/cluster/addresses.js';
import { KafkaConfigError } from '../../../src/protocol/errors.js';

describe('bootstrap server parsing', () => {
  it('splits comma-separated lists and arrays, trims, drops duplicates and empty entries', () => {
    assert.deepEqual(parseBootstrapServers(' kafka-1:9092, kafka-2:9093 ,,kafka-1:9092'), [
      { host: 'kafka-1', port: 9092 },
      { host: 'kafka-2', port: 9093 },
    ]);
    assert.deepEqual(parseBootstrapServers(['10.0.0.1:1', 'broker_a.internal:2,10.0.0.1:1']), [
      { host: '10.0.0.1', port: 1 },
      { host: 'broker_a.internal', port: 2 },
    ]);
  });

  it('reads IPv6 literals in brackets, with or without a port, and zones', () => {
    assert.deepEqual(parseBrokerAddress('[::1]:9092'), { host: '::1', port: 9092 });
    assert.deepEqual(parseBrokerAddress('[2001:db8::7]'), { host: '2001:db8::7', port: 9092 });
    assert.deepEqual(parseBrokerAddress('[fe80::1%eth0]:19092'), { host: 'fe80::1%eth0', port: 19092 });
    assert.equal(formatBrokerAddress({ host: '::1', port: 9092 }), '[::1]:9092');
    assert.equal(formatBrokerAddress({ host: 'localhost', port: 9092 }), 'localhost:9092');
  });

  it('defaults the port to 9092', () => {
    assert.deepEqual(parseBrokerAddress('localhost'), { host: 'localhost', port: 9092 });
  });

  it('rejects malformed entries with a message naming the entry', () => {
    const cases: [string | unknown, string][] = [
      ['::1', "bootstrapServers entry '::1' looks like an IPv6 address: write it in brackets, e.g. [::1]:9092"],
      ['host:', "bootstrapServers entry 'host:' has an invalid port ''"],
      ['host:abc', "bootstrapServers entry 'host:abc' has an invalid port 'abc'"],
      ['host:0', "bootstrapServers entry 'host:0' has port 0, outside 1-65535"],
      ['[::1', "bootstrapServers entry '[::1' has an unclosed '['"],
      ['[::1]9092', "bootstrapServers entry '[::1]9092' has text after ']' that is not ':port'"],
      ['[nothex]:1', "bootstrapServers entry '[nothex]:1' is not a valid IPv6 address in brackets"],
      ['PLAINTEXT://broker:9092', "bootstrapServers entry 'PLAINTEXT://broker:9092' must be host:port without a scheme (use the tls option for TLS)"],
      ['bad host:1', "bootstrapServers entry 'bad host:1' has an invalid host 'bad host'"],
      [' , ', 'bootstrapServers lists no broker address'],
      [[], 'bootstrapServers lists no broker address'],
      [['a:1', 7], 'bootstrapServers array entries must be strings, got number'],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseBootstrapServers(input), (error: unknown) => error instanceof KafkaConfigError && error.message === message, JSON.stringify(input));
    }
  });
});
