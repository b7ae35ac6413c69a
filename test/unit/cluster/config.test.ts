/**
 * The declarative options validator and the common client options: unknown keys with hints,
 * wrong types, ranges, enums, conflicts, defaults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { javaNameToCamelCase, option, resolveOptions, suggestOption } from '../../../src/cluster/config.js';
import { COMMON_CLIENT_OPTIONS, resolveCommonOptions } from '../../../src/cluster/options.js';
import { silentLogger } from '../../../src/cluster/logger.js';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { KafkaConfigError } from '../../../src/protocol/errors.js';

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof KafkaConfigError, `expected KafkaConfigError, got ${String(error)}`);
    assert.equal(error.errorName, 'INVALID_CONFIG');
    assert.equal(error.retriable, false);
    return error.message;
  }
  assert.fail('no error thrown');
}

describe('common client options', () => {
  it('fills in the Java defaults', () => {
    const resolved = resolveCommonOptions({ bootstrapServers: 'a:1' });
    assert.deepEqual(
      {
        bootstrapServers: resolved.bootstrapServers,
        clientId: resolved.clientId,
        requestTimeoutMs: resolved.requestTimeoutMs,
        socketConnectionSetupTimeoutMs: resolved.socketConnectionSetupTimeoutMs,
        connectionsMaxIdleMs: resolved.connectionsMaxIdleMs,
        reconnectBackoffMs: resolved.reconnectBackoffMs,
        reconnectBackoffMaxMs: resolved.reconnectBackoffMaxMs,
        retryBackoffMs: resolved.retryBackoffMs,
        retryBackoffMaxMs: resolved.retryBackoffMaxMs,
        metadataMaxAgeMs: resolved.metadataMaxAgeMs,
        maxApiVersions: resolved.maxApiVersions,
        tls: resolved.tls,
        logLevel: resolved.logLevel,
      },
      {
        bootstrapServers: [{ host: 'a', port: 1 }],
        clientId: 'kafkats',
        requestTimeoutMs: 30000,
        socketConnectionSetupTimeoutMs: 10000,
        connectionsMaxIdleMs: 540000,
        reconnectBackoffMs: 50,
        reconnectBackoffMaxMs: 1000,
        retryBackoffMs: 100,
        retryBackoffMaxMs: 1000,
        metadataMaxAgeMs: 300000,
        maxApiVersions: new Map(),
        tls: null,
        logLevel: 'warn',
      },
    );
  });

  it('names unknown keys and hints at the camelCase name of Java-style ones', () => {
    assert.equal(
      configError(() => resolveCommonOptions({ 'bootstrap.servers': 'a:1' })),
      "unknown KafkaClient option 'bootstrap.servers': did you mean bootstrapServers? (kafkats options are camelCase mirrors of the Java client's names)",
    );
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', 'request.timeout.ms': 5 })),
      "unknown KafkaClient option 'request.timeout.ms': did you mean requestTimeoutMs? (kafkats options are camelCase mirrors of the Java client's names)",
    );
    assert.equal(configError(() => resolveCommonOptions({ brokers: ['a:1'] })), "unknown KafkaClient option 'brokers': did you mean bootstrapServers?");
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', clientID: 'x' })), "unknown KafkaClient option 'clientID': did you mean clientId?");
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', requestTimoutMs: 1 })), "unknown KafkaClient option 'requestTimoutMs': did you mean requestTimeoutMs?");
    assert.match(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', zzz: 1 })), /^unknown KafkaClient option 'zzz' \(known options: bootstrapServers, clientId, /);
  });

  it('rejects wrong types and out-of-range values, naming the key and the value', () => {
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', requestTimeoutMs: '100' })),
      'KafkaClient option requestTimeoutMs must be an integer from 1 to 2147483647, got "100"',
    );
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', requestTimeoutMs: 0 })), 'KafkaClient option requestTimeoutMs must be an integer from 1 to 2147483647, got 0');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', retryBackoffMs: 1.5 })), 'KafkaClient option retryBackoffMs must be an integer from 0 to 2147483647, got 1.5');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', logLevel: 'verbose' })), "KafkaClient option logLevel must be one of 'debug', 'info', 'warn', 'error', 'silent', got \"verbose\"");
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', clientId: '' })), 'KafkaClient option clientId must be a non-empty string, got ""');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', logger: { warn() {} } })), 'KafkaClient option logger must be an object with debug, info, warn and error methods');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', tls: 'yes' })), 'KafkaClient option tls must be true, false or an object of tls.connect options');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 42 })), 'KafkaClient option bootstrapServers is invalid: bootstrapServers must be a string "host:port,host:port" or an array of "host:port" strings');
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:99999' })), "KafkaClient option bootstrapServers is invalid: bootstrapServers entry 'a:99999' has port 99999, outside 1-65535");
    assert.equal(configError(() => resolveCommonOptions({})), 'KafkaClient option bootstrapServers is required (a string "host:port,host:port" or an array of "host:port" strings)');
    assert.equal(configError(() => resolveCommonOptions(null)), 'KafkaClient options must be an object, got null');
    assert.equal(configError(() => resolveCommonOptions(['a:1'])), 'KafkaClient options must be an object, got an array');
  });

  it('accepts Infinity only where allowed, and treats undefined as missing', () => {
    assert.equal(resolveCommonOptions({ bootstrapServers: 'a:1', connectionsMaxIdleMs: Infinity }).connectionsMaxIdleMs, Infinity);
    assert.equal(resolveCommonOptions({ bootstrapServers: 'a:1', requestTimeoutMs: undefined }).requestTimeoutMs, 30000);
    assert.match(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', requestTimeoutMs: Infinity })), /requestTimeoutMs must be an integer from 1 to 2147483647, got Infinity/);
  });

  it('rejects conflicting settings, naming both keys', () => {
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', reconnectBackoffMs: 2000 })),
      'KafkaClient options: reconnectBackoffMs (2000) must not be greater than reconnectBackoffMaxMs (1000)',
    );
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', retryBackoffMs: 500, retryBackoffMaxMs: 200 })),
      'KafkaClient options: retryBackoffMs (500) must not be greater than retryBackoffMaxMs (200)',
    );
  });

  it('validates maxApiVersions by API name and kafkats\' own range', () => {
    const pins = resolveCommonOptions({ bootstrapServers: 'a:1', maxApiVersions: { Produce: 7, Fetch: 11 } }).maxApiVersions;
    assert.deepEqual([...pins], [
      [0, 7],
      [1, 11],
    ]);
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', maxApiVersions: { Prodcue: 7 } })),
      "KafkaClient option maxApiVersions names an unknown API 'Prodcue' (did you mean Produce?)",
    );
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', maxApiVersions: { Produce: 99 } })),
      'KafkaClient option maxApiVersions pins Produce to 99, but kafkats supports Produce v0-11',
    );
    // EndTxn's newest spec version is unstable, so kafkats offers one less.
    assert.equal(
      configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', maxApiVersions: { EndTxn: 5 } })),
      'KafkaClient option maxApiVersions pins EndTxn to 5, but kafkats supports EndTxn v0-4',
    );
    assert.equal(configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', maxApiVersions: 7 })), 'KafkaClient option maxApiVersions must be an object of API name to highest version, e.g. { Produce: 7 }');
  });

  it('KafkaClient validates at construction, without connecting', () => {
    assert.throws(() => new KafkaClient({ bootstrapServers: 'a:1', ['socket.connection.setup.timeout.ms' as 'clientId']: '1' }), /did you mean socketConnectionSetupTimeoutMs\?/);
    const client = new KafkaClient({ bootstrapServers: '[::1]:9092', logger: silentLogger });
    assert.equal(client.closed, false);
  });
});

describe('option builders', () => {
  const schema = {
    size: option.integer({ min: 1, max: 10, default: 5 }),
    limit: option.integer({ min: 0, allowInfinity: true }),
    name: option.string({ required: true, pattern: /^[a-z]+$/, patternDescription: 'lowercase letters' }),
    mode: option.enumOf(['fast', 'safe'] as const, { default: 'safe' }),
    enabled: option.boolean({ default: false }),
    level: option.custom<number>({ expected: 'a level', parse: (value, fail) => (value === 'high' ? 2 : value === 'low' ? 1 : (() => { throw fail('must be high or low'); })()) }),
  };

  it('resolves, types and defaults each kind', () => {
    const resolved = resolveOptions(schema, { name: 'abc', level: 'high', limit: Infinity }, { what: 'Test' });
    assert.deepEqual(resolved, { size: 5, limit: Infinity, name: 'abc', mode: 'safe', enabled: false, level: 2 });
    const size: number = resolved.size;
    const limit: number | undefined = resolveOptions(schema, { name: 'x' }, { what: 'Test' }).limit;
    assert.equal(size, 5);
    assert.equal(limit, undefined);
  });

  it('explains each failure', () => {
    assert.equal(configError(() => resolveOptions(schema, { name: 'ABC' }, { what: 'Test' })), 'Test option name must be a non-empty string of lowercase letters, got "ABC"');
    assert.equal(configError(() => resolveOptions(schema, { name: 'a', size: 11 }, { what: 'Test' })), 'Test option size must be an integer from 1 to 10, got 11');
    assert.equal(configError(() => resolveOptions(schema, { name: 'a', mode: 'quick' }, { what: 'Test' })), "Test option mode must be one of 'fast', 'safe', got \"quick\"");
    assert.equal(configError(() => resolveOptions(schema, { name: 'a', enabled: 'yes' }, { what: 'Test' })), 'Test option enabled must be true or false, got "yes"');
    assert.equal(configError(() => resolveOptions(schema, { name: 'a', level: 'mid' }, { what: 'Test' })), 'Test option level must be high or low');
    assert.equal(configError(() => resolveOptions(schema, { size: 2 }, { what: 'Test' })), 'Test option name is required (a non-empty string of lowercase letters)');
  });

  it('converts Java names and suggests only close matches', () => {
    assert.equal(javaNameToCamelCase('bootstrap.servers'), 'bootstrapServers');
    assert.equal(javaNameToCamelCase('max.in.flight.requests.per.connection'), 'maxInFlightRequestsPerConnection');
    assert.equal(javaNameToCamelCase('request_timeout_ms'), 'requestTimeoutMs');
    assert.equal(suggestOption(COMMON_CLIENT_OPTIONS, 'metadata.max.age.ms'), 'metadataMaxAgeMs');
    assert.equal(suggestOption(COMMON_CLIENT_OPTIONS, 'metadata.broker.list'), 'bootstrapServers');
    assert.equal(suggestOption(COMMON_CLIENT_OPTIONS, 'acks'), null);
    assert.equal(suggestOption(COMMON_CLIENT_OPTIONS, 'transactionalId'), null);
  });
});
