/**
 * Logging: the stderr format, the level filter, context fields, and loggers that throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStderrLogger, formatLogFields, isLogger, levelFilter, withLogContext, type Logger } from '../../../src/cluster/logger.js';
import { KafkaProtocolError } from '../../../src/protocol/errors.js';

function recording(): { logger: Logger; entries: string[] } {
  const entries: string[] = [];
  const entry = (level: string) => (message: string, fields?: object) => entries.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return { logger: { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') }, entries };
}

describe('logger', () => {
  it('writes one line per entry with level, name, message and JSON fields', () => {
    const lines: string[] = [];
    const logger = createStderrLogger({ write: (line) => lines.push(line) });
    logger.warn('broker unreachable', { broker: 'k1:9092', attempt: 2, offset: 10n, error: new KafkaProtocolError(6, { topic: 't' }) });
    logger.info('plain');
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN kafkats: broker unreachable \{"broker":"k1:9092","attempt":2,"offset":"10","error":\{"name":"KafkaProtocolError","message":"NOT_LEADER_OR_FOLLOWER \(t\)","errorName":"NOT_LEADER_OR_FOLLOWER"\}\}\n$/,
    );
    assert.match(lines[1]!, / INFO kafkats: plain\n$/);
  });

  it('passes entries at or above the level, and swallows what a logger throws', () => {
    const { logger, entries } = recording();
    const filtered = levelFilter(logger, 'warn');
    filtered.debug('d');
    filtered.info('i');
    filtered.warn('w');
    filtered.error('e');
    assert.deepEqual(entries, ['warn w', 'error e']);
    const silent = levelFilter(logger, 'silent');
    silent.error('nothing');
    assert.equal(entries.length, 2);
    const throwing = levelFilter({ debug() {}, info() {}, warn() { throw new Error('disk full'); }, error() {} }, 'debug');
    assert.doesNotThrow(() => throwing.warn('x'));
  });

  it('adds context fields, and renders odd fields without throwing', () => {
    const { logger, entries } = recording();
    withLogContext(logger, { clientId: 'c1' }).info('hello', { broker: 1 });
    assert.deepEqual(entries, ['info hello {"clientId":"c1","broker":1}']);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(formatLogFields(cyclic), ' {"fields":"unserialisable"}');
    assert.equal(formatLogFields({}), '');
    assert.equal(isLogger(console), true);
    assert.equal(isLogger({ info() {} }), false);
  });
});
