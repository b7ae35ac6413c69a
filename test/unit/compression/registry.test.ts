import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType, compress, decompress, getBuiltInCodec, getCodec, registerCodec, restoreBuiltInCodec, toCompressionType, compressionName } from '../../../src/compression/index.js';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';

test('names and ids of the compression types', () => {
  assert.equal(toCompressionType('zstd'), CompressionType.Zstd);
  assert.equal(toCompressionType(2), CompressionType.Snappy);
  assert.equal(compressionName(CompressionType.Lz4), 'lz4');
  assert.throws(() => toCompressionType(7 as 0), KafkaInvalidArgumentError);
  assert.throws(() => toCompressionType('brotli' as 'none'), KafkaInvalidArgumentError);
});

test('a registered codec replaces the built-in one everywhere, and can be restored', async () => {
  const gzip = getBuiltInCodec('gzip');
  const calls: string[] = [];
  registerCodec(CompressionType.Gzip, {
    compress(data, options) {
      calls.push(`compress magic ${options.magic} level ${options.level}`);
      return gzip.compress(data, options);
    },
    async decompress(data, options) {
      calls.push(`decompress limit ${options.maxOutputBytes}`);
      return gzip.decompress(data, options);
    },
  });
  try {
    assert.notEqual(getCodec('gzip'), gzip);
    const builder = new RecordBatchBuilder({ compression: 'gzip', compressionLevel: 4 });
    builder.append({ value: 'counted', timestamp: 0 });
    const batch = new DefaultRecordBatch(builder.closeSync(), 0, { maxDecompressedBytes: 12345 });
    assert.equal((await batch.records())[0]!.value!.toString(), 'counted');
    assert.deepEqual(calls, ['compress magic 2 level 4', 'decompress limit 12345']);
  } finally {
    restoreBuiltInCodec('gzip');
  }
  assert.equal(getCodec('gzip'), gzip);
});

test('registering for "none" or with a malformed codec is refused', () => {
  assert.throws(() => registerCodec('none', getBuiltInCodec('gzip')), KafkaInvalidArgumentError);
  assert.throws(() => registerCodec('lz4', { compress: () => Buffer.alloc(0) } as never), KafkaInvalidArgumentError);
});

test('the registry re-checks the output size of codecs that ignore the limit', async () => {
  registerCodec('zstd', { compress: (data) => data, decompress: (data) => Buffer.concat([data, data]) });
  try {
    assert.throws(() => decompress(CompressionType.Zstd, Buffer.alloc(10), { magic: 2, maxOutputBytes: 15 }), /limit of 15 bytes/);
    assert.equal((decompress(CompressionType.Zstd, Buffer.alloc(10), { magic: 2, maxOutputBytes: 20 }) as Buffer).length, 20);
    assert.deepEqual(compress(CompressionType.Zstd, Buffer.from('abc'), { magic: 2 }), Buffer.from('abc'));
  } finally {
    restoreBuiltInCodec('zstd');
  }
});
