/**
 * Cuts a byte stream into Kafka frames (an int32 size, then that many bytes).
 *
 * Socket chunks arrive in arbitrary sizes. A frame that lies wholly inside one chunk is handed on
 * as a view of that chunk (no copy); a frame that spans chunks is copied exactly once, into a
 * buffer allocated at its announced size as soon as the size is known. So every byte is copied at
 * most once whatever the chunking, and nothing is ever concatenated repeatedly.
 *
 * The announced size is checked before anything is allocated: a size above `maxFrameBytes` (or
 * too small to hold a correlation id) is a framing error, reported once, after which the assembler
 * ignores all further input.
 */
import { KafkaDecodeError } from '../errors.js';

/** Receives what the assembler cuts out. */
export interface FrameSink {
  /** One complete frame, without its size prefix: bytes `[start, end)` of `buffer`. */
  handleFrame(buffer: Buffer, start: number, end: number): void;
  /** The stream cannot be framed any further. */
  handleFramingError(error: KafkaDecodeError): void;
}

/** A response frame holds at least its correlation id. */
export const MIN_FRAME_BYTES = 4;

/**
 * The size prefix read from a plaintext connection to a TLS listener is the start of a TLS record
 * (0x15 0x03 0x0n for an alert, 0x16 0x03 0x0n for a handshake), which reads as roughly 350 MB.
 */
function looksLikeTls(size: number): boolean {
  const top = size >>> 16;
  return top === 0x1503 || top === 0x1603;
}

export class FrameAssembler {
  /** The size prefix when it arrives split across chunks. */
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeBytesFilled = 0;
  /** The frame being filled from several chunks, or null between frames. */
  private partialFrame: Buffer | null = null;
  private partialFilled = 0;
  private stopped = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxFrameBytes: number,
  ) {}

  /** Stops all further processing, e.g. because the connection closed while handling a frame. */
  stop(): void {
    this.stopped = true;
    this.partialFrame = null;
  }

  /** Bytes received but not yet handed on as a frame. */
  get bufferedBytes(): number {
    return this.partialFrame === null ? this.sizeBytesFilled : 4 + this.partialFilled;
  }

  push(chunk: Buffer): void {
    let position = 0;
    const length = chunk.length;
    while (position < length && !this.stopped) {
      const partial = this.partialFrame;
      if (partial !== null) {
        const copied = chunk.copy(partial, this.partialFilled, position, Math.min(length, position + partial.length - this.partialFilled));
        position += copied;
        this.partialFilled += copied;
        if (this.partialFilled === partial.length) {
          this.partialFrame = null;
          this.partialFilled = 0;
          this.sink.handleFrame(partial, 0, partial.length);
        }
        continue;
      }

      let size: number;
      if (this.sizeBytesFilled === 0 && length - position >= 4) {
        size = chunk.readInt32BE(position);
        position += 4;
      } else {
        const copied = chunk.copy(this.sizeBytes, this.sizeBytesFilled, position, Math.min(length, position + 4 - this.sizeBytesFilled));
        position += copied;
        this.sizeBytesFilled += copied;
        if (this.sizeBytesFilled < 4) return;
        this.sizeBytesFilled = 0;
        size = this.sizeBytes.readInt32BE(0);
      }

      if (!this.checkSize(size)) return;
      if (length - position >= size) {
        // The common case: the whole frame is in this chunk, handed on as a view.
        this.sink.handleFrame(chunk, position, position + size);
        position += size;
      } else {
        const frame = Buffer.allocUnsafe(size);
        const copied = chunk.copy(frame, 0, position, length);
        position += copied;
        this.partialFrame = frame;
        this.partialFilled = copied;
      }
    }
  }

  private checkSize(size: number): boolean {
    if (size >= MIN_FRAME_BYTES && size <= this.maxFrameBytes) return true;
    let message: string;
    if (size < MIN_FRAME_BYTES) {
      message = `response frame size ${size} is smaller than a response header (${MIN_FRAME_BYTES} bytes)`;
    } else {
      message = `response frame of ${size} bytes exceeds maxResponseBytes (${this.maxFrameBytes})`;
      if (looksLikeTls(size)) message += '; the broker answered with TLS: is this a TLS listener?';
    }
    this.stop();
    this.sink.handleFramingError(new KafkaDecodeError(message));
    return false;
  }
}
