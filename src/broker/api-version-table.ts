/**
 * Which API versions the embedded cluster advertises and accepts.
 *
 * Three layers decide a range: what this broker implements (its handlers, bounded by the
 * generated codecs), what the emulated Kafka release had (`asVersion`, from kafka-releases.ts), and
 * what a test narrowed with `setApiVersion`. The advertised range is their intersection; the
 * accepted range is the advertised one, except where a release advertised more than it accepted
 * (Kafka 4.0 lists Produce from version 0 but refuses 0-2).
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import {
  KAFKA_RELEASE_MAX_VERSIONS,
  KAFKA_RELEASE_MIN_ACCEPTED_VERSIONS,
  KAFKA_RELEASE_MIN_VERSIONS,
  KAFKA_RELEASES,
  type KafkaRelease,
} from '../protocol/kafka-releases.js';

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The newest release in the table: what the cluster emulates unless told otherwise. */
export const LATEST_RELEASE: KafkaRelease = KAFKA_RELEASES[KAFKA_RELEASES.length - 1]!;

/**
 * Maps an `asVersion` string to a release line: '3.7' and '3.7.1' give '3.7'; '0.11' and
 * '0.11.0.2' give '0.11.0'. Returns undefined for anything not in the table.
 */
export function parseRelease(text: string): KafkaRelease | undefined {
  const known = new Set<string>(KAFKA_RELEASES);
  const parts = text.split('.');
  if (parts.length < 2 || parts.some((part) => !/^\d+$/.test(part))) return undefined;
  const line = parts[0] === '0' ? `${parts[0]}.${parts[1]}.${parts[2] ?? '0'}` : `${parts[0]}.${parts[1]}`;
  return known.has(line) ? (line as KafkaRelease) : undefined;
}

/** Kafka's API version numbers are int16; -1 stands for "remove". */
function checkVersionNumber(name: string, value: number): void {
  if (!Number.isInteger(value) || value < -1 || value > 0x7fff) {
    throw new KafkaInvalidArgumentError(`${name} must be an integer from -1 to 32767, got ${value}`);
  }
}

export class ApiVersionTable {
  private readonly releaseRanges = new Map<number, VersionRange>();
  private readonly overrides = new Map<number, VersionRange | null>();

  constructor(
    readonly release: KafkaRelease,
    /** API key -> the versions this broker's handler and codec can serve. */
    private readonly implemented: ReadonlyMap<number, VersionRange>,
  ) {
    const maxima = KAFKA_RELEASE_MAX_VERSIONS[release];
    const minima = KAFKA_RELEASE_MIN_VERSIONS[release] ?? {};
    for (const [apiKey, range] of implemented) {
      const releaseMax = maxima[apiKey];
      if (releaseMax === undefined) continue;
      const min = Math.max(range.min, minima[apiKey] ?? 0);
      const max = Math.min(range.max, releaseMax);
      if (min <= max) this.releaseRanges.set(apiKey, { min, max });
    }
  }

  /** The range advertised for an API key, or undefined when the key is not served. */
  advertised(apiKey: number): VersionRange | undefined {
    const override = this.overrides.get(apiKey);
    if (override !== undefined) return override ?? undefined;
    return this.releaseRanges.get(apiKey);
  }

  /** Every advertised range, by ascending API key. */
  all(): Map<number, VersionRange> {
    const result = new Map<number, VersionRange>();
    const keys = new Set([...this.releaseRanges.keys(), ...this.overrides.keys()]);
    for (const apiKey of [...keys].sort((a, b) => a - b)) {
      const range = this.advertised(apiKey);
      if (range) result.set(apiKey, range);
    }
    return result;
  }

  /** Whether a request of this version is served (advertised, and not one the release refused). */
  accepts(apiKey: number, version: number): boolean {
    const range = this.advertised(apiKey);
    if (!range || version < range.min || version > range.max) return false;
    const minAccepted = KAFKA_RELEASE_MIN_ACCEPTED_VERSIONS[this.release]?.[apiKey];
    return minAccepted === undefined || version >= minAccepted;
  }

  /**
   * Narrows (or, within what is implemented, widens) the advertised range of an API key;
   * `(-1, -1)` stops advertising it. Throws for a range the broker cannot serve.
   */
  set(apiKey: number, min: number, max: number): void {
    checkVersionNumber('min', min);
    checkVersionNumber('max', max);
    const implemented = this.implemented.get(apiKey);
    if (!implemented) throw new KafkaInvalidArgumentError(`the embedded broker has no handler for API key ${apiKey}`);
    if (min === -1 && max === -1) {
      this.overrides.set(apiKey, null);
      return;
    }
    if (min < 0 || max < min || min < implemented.min || max > implemented.max) {
      throw new KafkaInvalidArgumentError(
        `API key ${apiKey}: versions ${min}..${max} are outside the implemented ${implemented.min}..${implemented.max}`,
      );
    }
    this.overrides.set(apiKey, { min, max });
  }
}
