/**
 * The producer's record batch writer: the hot path of `send`, specialised from the record layer's
 * RecordBatchBuilder (same format, magic 2, same codecs and CRC-32C).
 *
 * What it does differently, and why:
 *  - it takes what the producer has already computed (serialized key and value, their lengths),
 *    so nothing is measured or validated twice and no record object is built per append;
 *  - producer id, epoch and base sequence are passed to `close`, because the producer assigns
 *    them when the batch is drained, just before closing it: the CRC is computed once;
 *  - its buffer is the one whose size the producer's memory accounting reserved, and it reports
 *    when it would need to grow, so the accounting can never be exceeded silently.
 * Batches read back with the record layer's reader (tests check byte-exact equality with
 * RecordBatchBuilder's output).
 */
import { compress, isPromiseLike } from '../compression/registry.js';
import { CompressionType } from '../compression/types.js';
import { ATTRIBUTE_TIMESTAMP_TYPE, BATCH, LOG_OVERHEAD } from '../records/constants.js';
import { crc32c } from '../records/crc.js';
import { putInt64, putVarint, putVarlong, sizeOfVarint, sizeOfVarlong } from '../records/varint.js';
import type { ProducerHeader } from './serializers.js';

const NO_PARTITION_LEADER_EPOCH = -1;
/** Bytes `append` may need besides the key, value and headers: length, attributes, timestamp and offset deltas, key/value lengths, header count. */
export const RECORD_OVERHEAD_BOUND = 5 + 1 + 10 + 5 + 5 + 5 + 5;

export class BatchWriter {
  private buffer: Buffer;
  private position: number = BATCH.headerSize;
  count = 0;
  private firstTimestamp = 0;
  private maxTimestamp = -1;

  /** Writes into `buffer` (reused from the producer's pool, or new): at least the header and a little. */
  constructor(buffer: Buffer) {
    if (buffer.length < BATCH.headerSize + RECORD_OVERHEAD_BOUND) throw new RangeError(`a batch buffer needs at least ${BATCH.headerSize + RECORD_OVERHEAD_BOUND} bytes`);
    this.buffer = buffer;
  }

  /** The buffer written into (replaced when it grows); the closed batch is a view of it unless compressed into a larger one. */
  get memory(): Buffer {
    return this.buffer;
  }

  /** Bytes the buffer holds (its reserved size). */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Bytes of records written so far (the uncompressed records section). */
  get recordsSize(): number {
    return this.position - BATCH.headerSize;
  }

  /** Grows the buffer to at least `capacity` bytes (the caller accounted for them). */
  grow(capacity: number): void {
    if (capacity <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /**
   * Appends a record; `keyLength`/`valueLength` are the byte lengths (-1 for null). The caller
   * made sure `capacity` covers `recordsSize` plus the record's size upper bound.
   */
  append(key: Uint8Array | string | null, keyLength: number, value: Uint8Array | string | null, valueLength: number, headers: readonly ProducerHeader[] | undefined, timestamp: number): void {
    if (this.count === 0) this.firstTimestamp = timestamp;
    const timestampDelta = timestamp - this.firstTimestamp;
    const offsetDelta = this.count;
    const bodySize =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarint(offsetDelta) +
      (keyLength < 0 ? 1 : sizeOfVarint(keyLength) + keyLength) +
      (valueLength < 0 ? 1 : sizeOfVarint(valueLength) + valueLength) +
      (headers === undefined ? 1 : headersSize(headers));
    const buffer = this.buffer;
    let pos = putVarint(buffer, this.position, bodySize);
    buffer[pos++] = 0; // attributes
    pos = putVarlong(buffer, pos, timestampDelta);
    pos = putVarint(buffer, pos, offsetDelta);
    pos = putField(buffer, pos, key, keyLength);
    pos = putField(buffer, pos, value, valueLength);
    if (headers === undefined) {
      buffer[pos++] = 0;
    } else {
      pos = putVarint(buffer, pos, headers.length);
      for (const header of headers) {
        pos = putField(buffer, pos, header.key, Buffer.byteLength(header.key, 'utf8'));
        const headerValue = header.value;
        pos = putField(buffer, pos, headerValue, byteLength(headerValue));
      }
    }
    this.position = pos;
    this.count++;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  /**
   * Closes the batch: compresses the records section (a promise only if the codec is
   * asynchronous) and writes the header and CRC with the producer state given.
   */
  close(compression: CompressionType, level: number | undefined, producerId: number, producerEpoch: number, baseSequence: number): Buffer | Promise<Buffer> {
    if (compression === CompressionType.None) {
      return this.finish(this.buffer.subarray(0, this.position), compression, producerId, producerEpoch, baseSequence);
    }
    const records = this.buffer.subarray(BATCH.headerSize, this.position);
    const compressed = compress(compression, records, { magic: 2, level });
    if (isPromiseLike(compressed)) return compressed.then((bytes) => this.finishCompressed(bytes, compression, producerId, producerEpoch, baseSequence));
    return this.finishCompressed(compressed, compression, producerId, producerEpoch, baseSequence);
  }

  private finishCompressed(compressed: Buffer, compression: CompressionType, producerId: number, producerEpoch: number, baseSequence: number): Buffer {
    const size = BATCH.headerSize + compressed.length;
    // Usually the compressed records fit where the uncompressed ones were.
    const batch = size <= this.buffer.length ? this.buffer.subarray(0, size) : Buffer.allocUnsafe(size);
    batch.set(compressed, BATCH.headerSize);
    return this.finish(batch, compression, producerId, producerEpoch, baseSequence);
  }

  private finish(batch: Buffer, compression: CompressionType, producerId: number, producerEpoch: number, baseSequence: number): Buffer {
    putInt64(batch, BATCH.baseOffset, 0);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH.batchLength);
    batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, BATCH.partitionLeaderEpoch);
    batch[BATCH.magic] = 2;
    batch.writeInt16BE(compression & ~ATTRIBUTE_TIMESTAMP_TYPE, BATCH.attributes);
    batch.writeInt32BE(this.count - 1, BATCH.lastOffsetDelta);
    putInt64(batch, BATCH.baseTimestamp, this.firstTimestamp);
    putInt64(batch, BATCH.maxTimestamp, this.maxTimestamp);
    writeProducerState(batch, producerId, producerEpoch, baseSequence);
    batch.writeInt32BE(this.count, BATCH.recordCount);
    batch.writeUInt32BE(crc32c(batch, BATCH.attributes, batch.length), BATCH.crc);
    return batch;
  }
}

/** Writes producer id, epoch and base sequence into a batch's header (the caller redoes the CRC if the batch was finished). */
export function writeProducerState(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number): void {
  putInt64(batch, BATCH.producerId, producerId);
  batch.writeInt16BE(producerEpoch, BATCH.producerEpoch);
  batch.writeInt32BE(baseSequence, BATCH.baseSequence);
}

function byteLength(bytes: Uint8Array | string | null): number {
  return bytes === null ? -1 : typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

function headersSize(headers: readonly ProducerHeader[]): number {
  let size = sizeOfVarint(headers.length);
  for (const header of headers) {
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    const valueLength = byteLength(header.value);
    size += sizeOfVarint(keyLength) + keyLength + (valueLength < 0 ? 1 : sizeOfVarint(valueLength) + valueLength);
  }
  return size;
}

function putField(buffer: Buffer, pos: number, bytes: Uint8Array | string | null, length: number): number {
  pos = putVarint(buffer, pos, length);
  if (length <= 0) return pos;
  if (typeof bytes === 'string') {
    buffer.write(bytes, pos, length, 'utf8');
  } else if (length < 32) {
    const source = bytes!;
    for (let i = 0; i < length; i++) buffer[pos + i] = source[i]!;
  } else {
    buffer.set(bytes!, pos);
  }
  return pos + length;
}
