/**
 * The match copy of the LZ77 formats (LZ4, snappy, zstd): the one step their decoders share.
 *
 * Only this step is shared. V8 keeps type feedback per function, so a helper that every codec
 * calls sees all their array types at once: shared literal copies and 32-bit word loads, which meet
 * both Buffers and plain Uint8Arrays, made LZ4 and snappy 30-40% slower and xxHash32 five times
 * slower when all codecs ran in one process. A match is copied within the output, a Buffer in
 * every decoder, so this one stays fast.
 */

/**
 * Appends at `pos` a match: `length` bytes repeating the output from `offset` bytes back; returns
 * the position after it. The caller checked that the match starts inside the output and fits.
 */
export function copyMatch(out: Uint8Array, pos: number, offset: number, length: number): number {
  let from = pos - offset;
  if (offset >= length && length > 32) {
    out.copyWithin(pos, from, from + length);
    return pos + length;
  }
  // An overlapping match repeats the last `offset` bytes, so it must go byte by byte.
  const stop = pos + length;
  while (pos < stop) out[pos++] = out[from++]!;
  return pos;
}
