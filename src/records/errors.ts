/**
 * Errors of the record layer. Corrupt record data (bad CRC, truncated batch, bad varint, codec
 * garbage, counts or lengths beyond the frame, a decompression bomb) is a KafkaCorruptRecordError:
 * a KafkaDecodeError (code 2, CORRUPT_MESSAGE) that names the topic-partition (when the caller gave
 * it) and the offset of the batch or message in which the problem was found. An asynchronous codec
 * met by a synchronous method (`closeSync`, `recordsSync`) is a KafkaStateError.
 */
import { isPromiseLike } from '../compression/registry.js';
import { compressionName, type CompressionType } from '../compression/types.js';
import { KafkaDecodeError, KafkaStateError } from '../protocol/errors.js';

/** Where the record data being decoded comes from, for error messages. */
export interface RecordContext {
  topic?: string | undefined;
  partition?: number | undefined;
}

export interface CorruptRecordLocation extends RecordContext {
  /** The (base) offset of the batch or message that is corrupt, when it could be read. */
  offset?: number | undefined;
  /** The byte position of that batch in the buffer given to the decoder. */
  position?: number | undefined;
}

function describe(location: CorruptRecordLocation): string {
  const parts: string[] = [];
  if (location.topic !== undefined) parts.push(location.partition === undefined ? location.topic : `${location.topic}-${location.partition}`);
  else if (location.partition !== undefined) parts.push(`partition ${location.partition}`);
  if (location.offset !== undefined) parts.push(`offset ${location.offset}`);
  if (location.position !== undefined) parts.push(`byte ${location.position}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export class KafkaCorruptRecordError extends KafkaDecodeError {
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;

  constructor(detail: string, location: CorruptRecordLocation = {}, cause?: unknown) {
    super(`corrupt record data${describe(location)}: ${detail}`, cause === undefined ? {} : { cause });
    this.topic = location.topic;
    this.partition = location.partition;
    this.offset = location.offset;
  }
}

/**
 * A codec's result, for the `closeSync()` / `recordsSync()` methods: a promise (the registered codec
 * is asynchronous) is refused with KafkaStateError naming the asynchronous method to use instead.
 * Nobody else awaits that promise, so its rejection is observed here rather than left unhandled.
 */
export function synchronousCodecResult(result: Buffer | Promise<Buffer>, asyncMethod: 'close' | 'records', compression?: CompressionType): Buffer {
  if (!isPromiseLike(result)) return result;
  result.catch(() => undefined);
  const codec = compression === undefined ? 'codec' : `${compressionName(compression)} codec`;
  throw new KafkaStateError(`the registered ${codec} is asynchronous: use ${asyncMethod}() instead of ${asyncMethod}Sync()`);
}
