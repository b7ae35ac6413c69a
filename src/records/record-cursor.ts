/**
 * Reading the records of a record batch (magic 2) one at a time, straight from its uncompressed
 * records section: the one decoder of the record format. `DefaultRecordBatch.records()` builds
 * `KafkaRecord`s with it; the consumer reads each record's fields from the cursor's properties and
 * creates its own `ConsumerRecord` only for the records it returns, passing over records before
 * its position without making views of their keys and values.
 *
 * Checks: every length within the record, the fields filling the record exactly, the record count
 * filling the section exactly, timestamps within the safe-integer range; a violation is a
 * `KafkaCorruptRecordError` naming the batch.
 */
import { ATTRIBUTE_TIMESTAMP_TYPE, MIN_RECORD_SIZE } from './constants.js';
import { KafkaCorruptRecordError, type RecordContext } from './errors.js';
import type { RecordHeader } from './record.js';

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** A record that breaks the format; the cursor turns it into a KafkaCorruptRecordError. */
class RecordsSectionError extends Error {}

/** The header fields of a batch that its records are read against. */
export interface CursorBatch {
  readonly recordCount: number;
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly attributes: number;
}

export class RecordCursor {
  /** Records not read yet. */
  remaining: number;
  // The fields of the record read last.
  offset = 0;
  timestamp = 0;
  key: Buffer | null = null;
  value: Buffer | null = null;
  headers: readonly RecordHeader[] = EMPTY_HEADERS;
  private pos = 0;
  private readonly end: number;
  private readonly baseOffset: number;
  private readonly baseTimestamp: number;
  /** The broker's append time for LogAppendTime batches, else -1. */
  private readonly logAppendTime: number;

  private readonly recordCount: number;

  /** `section` is the batch's uncompressed records section; `location` names the batch in errors. */
  constructor(
    private readonly section: Buffer,
    batch: CursorBatch,
    private readonly location: RecordContext,
  ) {
    this.end = section.length;
    this.recordCount = batch.recordCount;
    this.remaining = batch.recordCount;
    this.baseOffset = batch.baseOffset;
    this.baseTimestamp = batch.baseTimestamp;
    this.logAppendTime = batch.attributes & ATTRIBUTE_TIMESTAMP_TYPE ? batch.maxTimestamp : -1;
    if (batch.recordCount * MIN_RECORD_SIZE > section.length) throw this.corrupt(`record count ${batch.recordCount} cannot fit in ${section.length} bytes of records`);
  }

  /**
   * Reads the next record. With `skipBefore`, a record whose offset is lower is passed over
   * without reading its key, value and headers; returns false for it. Throws KafkaCorruptRecordError.
   */
  next(skipBefore: number): boolean {
    try {
      const index = this.recordCount - this.remaining;
      this.remaining--;
      const length = this.varint();
      const recordEnd = this.pos + length;
      if (length < MIN_RECORD_SIZE - 1 || recordEnd > this.end) throw new RecordsSectionError(`record ${index} has invalid length ${length}`);
      this.pos++; // attributes: unused
      const timestampDelta = this.varlong();
      const offset = this.baseOffset + this.varint();
      this.offset = offset;
      if (offset < skipBefore) {
        this.pos = recordEnd;
        if (this.remaining === 0) this.checkEnd();
        return false;
      }
      this.key = this.bytes(recordEnd);
      this.value = this.bytes(recordEnd);
      const headerCount = this.varint();
      if (headerCount === 0) {
        this.headers = EMPTY_HEADERS;
      } else {
        if (headerCount < 0 || headerCount * 2 > recordEnd - this.pos) throw new RecordsSectionError(`record ${index} has invalid header count ${headerCount}`);
        const headers: RecordHeader[] = new Array(headerCount);
        const buf = this.section;
        for (let h = 0; h < headerCount; h++) {
          const keyLength = this.varint();
          const keyStart = this.pos;
          if (keyLength < 0 || keyStart + keyLength > recordEnd) throw new RecordsSectionError(`record ${index} has a header key of invalid length ${keyLength}`);
          this.pos = keyStart + keyLength;
          headers[h] = { key: buf.toString('utf8', keyStart, this.pos), value: this.bytes(recordEnd) };
        }
        this.headers = headers;
      }
      if (this.pos !== recordEnd) throw new RecordsSectionError(`record ${index} is ${length} bytes long but its fields take ${this.pos - recordEnd + length}`);
      const timestamp = this.logAppendTime >= 0 ? this.logAppendTime : this.baseTimestamp + timestampDelta;
      if (!Number.isSafeInteger(timestamp)) throw new RecordsSectionError(`record ${index} has a timestamp outside the safe integer range`);
      this.timestamp = timestamp;
      if (this.remaining === 0) this.checkEnd();
      return true;
    } catch (error) {
      if (error instanceof RecordsSectionError) throw this.corrupt(error.message);
      throw error;
    }
  }

  private checkEnd(): void {
    if (this.pos !== this.end) throw new RecordsSectionError(`${this.end - this.pos} byte(s) left after the last of ${this.recordCount} records`);
  }

  private corrupt(detail: string): KafkaCorruptRecordError {
    return new KafkaCorruptRecordError(detail, { topic: this.location.topic, partition: this.location.partition, offset: this.baseOffset });
  }

  /** A zigzag varint (32-bit). */
  private varint(): number {
    const buf = this.section;
    let pos = this.pos;
    if (pos >= this.end) throw new RecordsSectionError('truncated varint');
    let byte = buf[pos++]!;
    if (byte < 0x80) {
      this.pos = pos;
      return (byte >>> 1) ^ -(byte & 1);
    }
    let raw = byte & 0x7f;
    let shift = 7;
    do {
      if (pos >= this.end) throw new RecordsSectionError('truncated varint');
      byte = buf[pos++]!;
      if (shift === 28 && byte > 0x0f) throw new RecordsSectionError('varint longer than 32 bits');
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    this.pos = pos;
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zigzag varlong in the safe-integer range. */
  private varlong(): number {
    const buf = this.section;
    let pos = this.pos;
    if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
    let byte = buf[pos++]!;
    if (byte < 0x80) {
      this.pos = pos;
      return (byte >>> 1) ^ -(byte & 1);
    }
    let raw = byte & 0x7f;
    let multiplier = 128;
    // Seven bytes (49 bits) sum exactly in a double; longer ones take the bigint path.
    for (let i = 1; byte >= 0x80; i++) {
      if (i === 7) return this.longVarlong();
      if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
      byte = buf[pos++]!;
      raw += (byte & 0x7f) * multiplier;
      multiplier *= 128;
    }
    this.pos = pos;
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  private longVarlong(): number {
    const buf = this.section;
    let pos = this.pos;
    let raw = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
      const byte = buf[pos++]!;
      raw |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) {
        const value = (raw >> 1n) ^ -(raw & 1n);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RecordsSectionError('varlong outside the safe integer range');
        this.pos = pos;
        return Number(value);
      }
    }
    throw new RecordsSectionError('varlong longer than 10 bytes');
  }

  /** Length-prefixed bytes (-1: null) ending by `limit`, as a view. */
  private bytes(limit: number): Buffer | null {
    const length = this.varint();
    if (length < 0) {
      if (length === -1) return null;
      throw new RecordsSectionError(`negative length ${length}`);
    }
    const start = this.pos;
    const stop = start + length;
    if (stop > limit) throw new RecordsSectionError(`length ${length} runs past the end of the record`);
    this.pos = stop;
    return this.section.subarray(start, stop);
  }
}
