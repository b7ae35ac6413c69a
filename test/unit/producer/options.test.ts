/**
 * Producer options: Java's defaults, validation, and Java 4.0's conflict rules for idempotence
 * and the delivery timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveProducerOptions } from '../../../src/producer/options.js';
import { KafkaConfigError } from '../../../src/protocol/errors.js';

const base = { bootstrapServers: 'localhost:9092' };

describe('producer options', () => {
  it('have the Java 4.0 defaults', () => {
    const options = resolveProducerOptions(base);
    assert.equal(options.acks, -1);
    assert.equal(options.compressionType, 'none');
    assert.equal(options.lingerMs, 5);
    assert.equal(options.batchSize, 16_384);
    assert.equal(options.bufferMemory, 33_554_432);
    assert.equal(options.maxBlockMs, 60_000);
    assert.equal(options.maxRequestSize, 1_048_576);
    assert.equal(options.enableIdempotence, true);
    assert.equal(options.idempotent, true);
    assert.equal(options.retries, 2_147_483_647);
    assert.equal(options.deliveryTimeoutMs, 120_000);
    assert.equal(options.requestTimeoutMs, 30_000);
    assert.equal(options.maxInFlightRequestsPerConnection, 5);
    assert.equal(options.retryBackoffMs, 100);
    assert.equal(options.metadataMaxAgeMs, 300_000);
    assert.equal(options.keySerializer, 'buffer');
    assert.equal(options.valueSerializer, 'buffer');
    assert.equal(options.partitioner, null);
    assert.deepEqual(options.notes, []);
  });

  it("accept acks as 0, 1, -1, 'all' (and their strings), normalised to numbers", () => {
    assert.equal(resolveProducerOptions({ ...base, acks: 'all' }).acks, -1);
    assert.equal(resolveProducerOptions({ ...base, acks: 0 }).acks, 0);
    assert.equal(resolveProducerOptions({ ...base, acks: 1 }).acks, 1);
    assert.throws(() => resolveProducerOptions({ ...base, acks: 2 }), /acks must be 0, 1, -1 or 'all', got 2/);
  });

  it('reject unknown keys, suggesting the camelCase name for Java-style ones', () => {
    assert.throws(() => resolveProducerOptions({ ...base, 'linger.ms': 10 }), (error: unknown) => {
      assert.ok(error instanceof KafkaConfigError);
      assert.match(error.message, /unknown KafkaProducer option 'linger.ms': did you mean lingerMs\?/);
      return true;
    });
    assert.throws(() => resolveProducerOptions({ ...base, batchsize: 10 }), /did you mean batchSize\?/);
  });

  it('reject values of the wrong type or range, naming the key', () => {
    assert.throws(() => resolveProducerOptions({ ...base, lingerMs: -1 }), /option lingerMs must be an integer from 0/);
    assert.throws(() => resolveProducerOptions({ ...base, compressionType: 'brotli' }), /option compressionType must be one of 'none', 'gzip', 'snappy', 'lz4', 'zstd'/);
    assert.throws(() => resolveProducerOptions({ ...base, valueSerializer: 'xml' }), /option valueSerializer must be 'buffer', 'string', 'json'/);
    assert.throws(() => resolveProducerOptions({ ...base, partitioner: 'murmur2' }), /option partitioner must be a function/);
    assert.throws(() => resolveProducerOptions({ ...base, bufferMemory: 0 }), /option bufferMemory must be an integer from 1/);
  });

  describe('idempotence conflicts (as Java 4.0)', () => {
    it('turn idempotence off with a note when the user did not ask for it', () => {
      const acksOne = resolveProducerOptions({ ...base, acks: 1 });
      assert.equal(acksOne.idempotent, false);
      assert.equal(acksOne.enableIdempotence, true);
      assert.deepEqual(acksOne.notes, [{ level: 'info', message: "idempotence disabled because acks is 1, not 'all' (set enableIdempotence: true to make this an error)" }]);
      const noRetries = resolveProducerOptions({ ...base, retries: 0 });
      assert.equal(noRetries.idempotent, false);
      assert.match(noRetries.notes[0]!.message, /retries is 0/);
    });

    it('are errors when enableIdempotence: true was given', () => {
      assert.throws(() => resolveProducerOptions({ ...base, enableIdempotence: true, acks: 0 }), (error: unknown) => {
        assert.ok(error instanceof KafkaConfigError);
        assert.equal(error.message, "KafkaProducer options: enableIdempotence needs acks 'all' and retries > 0, but acks is 0, not 'all'");
        return true;
      });
      assert.throws(() => resolveProducerOptions({ ...base, enableIdempotence: true, retries: 0 }), /retries is 0/);
    });

    it('refuse more than 5 requests in flight while idempotent, allow them otherwise', () => {
      assert.throws(() => resolveProducerOptions({ ...base, maxInFlightRequestsPerConnection: 6 }), /maxInFlightRequestsPerConnection must be at most 5 with idempotence \(got 6\)/);
      assert.equal(resolveProducerOptions({ ...base, maxInFlightRequestsPerConnection: 6, enableIdempotence: false }).maxInFlightRequestsPerConnection, 6);
      assert.equal(resolveProducerOptions({ ...base, maxInFlightRequestsPerConnection: 6, acks: 1 }).idempotent, false);
    });
  });

  describe('deliveryTimeoutMs', () => {
    it('must be at least lingerMs + requestTimeoutMs when given', () => {
      assert.throws(
        () => resolveProducerOptions({ ...base, deliveryTimeoutMs: 1000, lingerMs: 10, requestTimeoutMs: 2000 }),
        /deliveryTimeoutMs \(1000\) must be at least lingerMs \+ requestTimeoutMs \(10 \+ 2000 = 2010\)/,
      );
      assert.equal(resolveProducerOptions({ ...base, deliveryTimeoutMs: 2010, lingerMs: 10, requestTimeoutMs: 2000 }).deliveryTimeoutMs, 2010);
    });

    it('defaults to at least lingerMs + requestTimeoutMs, with a warning', () => {
      const options = resolveProducerOptions({ ...base, lingerMs: 100_000, requestTimeoutMs: 30_000 });
      assert.equal(options.deliveryTimeoutMs, 130_000);
      assert.deepEqual(options.notes, [{ level: 'warn', message: 'deliveryTimeoutMs raised from its default 120000 to lingerMs + requestTimeoutMs = 130000' }]);
    });
  });
});
