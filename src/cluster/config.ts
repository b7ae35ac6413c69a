/**
 * A small declarative validator for client options, shared by every kafkats client.
 *
 * A client describes its options as a schema: one `OptionSpec` per key, built with the helpers in
 * `option` (types, ranges, enums, defaults), plus cross-option checks. `resolveOptions` turns the
 * user's object into a fully typed, defaulted one, or throws a `KafkaConfigError` that names the
 * key: unknown keys (with a hint for Java-style names such as 'bootstrap.servers' or near
 * misspellings), wrong types, out-of-range values and conflicting settings.
 *
 *     const schema = { ...COMMON_CLIENT_OPTIONS, acks: option.enumOf(['all', 0, 1] as const, { default: 'all' }) };
 *     const resolved = resolveOptions(schema, userOptions, { what: 'KafkaProducer' });
 */
import { KafkaConfigError } from '../protocol/errors.js';

export interface OptionSpec<T> {
  /** What a valid value looks like, for messages ("an integer from 1 to 2147483647"). */
  readonly expected: string;
  /** Validates and normalises a given (non-undefined) value; throws `KafkaConfigError`. */
  parse(value: unknown, key: string, what: string): T;
  /** The value when the key is missing or undefined; throws for a required option. */
  missing(key: string, what: string): T;
  /** Other names users may try for this option (e.g. librdkafka's), hinted at when they do. */
  readonly aliases: readonly string[];
}

export type OptionSchema = Readonly<Record<string, OptionSpec<unknown>>>;

/** The resolved options of a schema: every key present, typed by its spec. */
export type ResolvedOptions<S extends OptionSchema> = { -readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

/** A cross-option rule: returns a message naming the keys when the combination is invalid. */
export type OptionCheck<S extends OptionSchema> = (resolved: ResolvedOptions<S>, given: ReadonlySet<string>) => string | null;

export interface ResolveSettings<S extends OptionSchema> {
  /** Names the options in messages, e.g. 'KafkaClient'. */
  what: string;
  checks?: readonly OptionCheck<S>[];
}

/** Renders a value the user gave, for messages: strings quoted, types named for objects. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function configError(what: string, key: string, message: string): KafkaConfigError {
  return new KafkaConfigError(`${what} option ${key} ${message}`);
}

function mustBe(spec: { expected: string }, key: string, what: string, value: unknown): KafkaConfigError {
  return configError(what, key, `must be ${spec.expected}, got ${describeValue(value)}`);
}

interface CommonSettings<T> {
  default?: T;
  required?: boolean;
  aliases?: readonly string[];
}

/** The option's type: T when it has a default or is required, else T | undefined. */
type Resolved<T, S> = S extends { default: unknown } ? T : S extends { required: true } ? T : T | undefined;

function makeSpec<T>(expected: string, settings: CommonSettings<T>, check: (value: unknown, key: string, what: string) => T): OptionSpec<T> {
  const spec: OptionSpec<T> = {
    expected,
    aliases: settings.aliases ?? [],
    parse: check,
    missing(key, what) {
      if (settings.required) throw configError(what, key, `is required (${expected})`);
      return settings.default as T;
    },
  };
  return spec;
}

export interface IntegerSettings extends CommonSettings<number> {
  min?: number;
  max?: number;
  /** Also accept Infinity (e.g. "no limit", "never"). */
  allowInfinity?: boolean;
}

export interface StringSettings extends CommonSettings<string> {
  /** Reject '' (default true). */
  nonEmpty?: boolean;
  maxBytes?: number;
  pattern?: RegExp;
  /** Described in messages when `pattern` fails, e.g. "letters, digits, '.', '_' and '-'". */
  patternDescription?: string;
}

export interface CustomSettings<T> extends CommonSettings<T> {
  expected: string;
  /** Returns the normalised value, or throws; `fail(message)` builds the error naming the key. */
  parse(value: unknown, fail: (message: string) => KafkaConfigError): T;
}

const INT32_MAX = 2 ** 31 - 1;

function custom<T>(settings: CustomSettings<T> & ({ required: true } | { default: T })): OptionSpec<T>;
function custom<T>(settings: CustomSettings<T>): OptionSpec<T | undefined>;
function custom<T>(settings: CustomSettings<T>): OptionSpec<T | undefined> {
  return makeSpec<T>(settings.expected, settings, (value, key, what) => settings.parse(value, (message) => configError(what, key, message)));
}

/** Builders of option specs. */
export const option = {
  integer<const S extends IntegerSettings>(settings: S): OptionSpec<Resolved<number, S>> {
    const min = settings.min ?? 0;
    const max = settings.max ?? INT32_MAX;
    const expected = `an integer from ${min} to ${max}${settings.allowInfinity ? ' or Infinity' : ''}`;
    const spec = makeSpec<number>(expected, settings, (value, key, what) => {
      if (typeof value === 'number' && settings.allowInfinity && value === Infinity) return value;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw mustBe(spec, key, what, value);
      return value;
    });
    return spec as OptionSpec<Resolved<number, S>>;
  },

  boolean<const S extends CommonSettings<boolean>>(settings: S): OptionSpec<Resolved<boolean, S>> {
    const spec = makeSpec<boolean>('true or false', settings, (value, key, what) => {
      if (typeof value !== 'boolean') throw mustBe(spec, key, what, value);
      return value;
    });
    return spec as OptionSpec<Resolved<boolean, S>>;
  },

  string<const S extends StringSettings>(settings: S): OptionSpec<Resolved<string, S>> {
    const nonEmpty = settings.nonEmpty ?? true;
    const expected = `a ${nonEmpty ? 'non-empty ' : ''}string${settings.patternDescription ? ` of ${settings.patternDescription}` : ''}`;
    const spec = makeSpec<string>(expected, settings, (value, key, what) => {
      if (typeof value !== 'string' || (nonEmpty && value.length === 0)) throw mustBe(spec, key, what, value);
      if (settings.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > settings.maxBytes) {
        throw configError(what, key, `is longer than ${settings.maxBytes} bytes`);
      }
      if (settings.pattern !== undefined && !settings.pattern.test(value)) throw mustBe(spec, key, what, value);
      return value;
    });
    return spec as OptionSpec<Resolved<string, S>>;
  },

  enumOf<const V extends string | number, const S extends CommonSettings<V>>(values: readonly V[], settings: S): OptionSpec<Resolved<V, S>> {
    const expected = `one of ${values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(', ')}`;
    const spec = makeSpec<V>(expected, settings, (value, key, what) => {
      if (!values.includes(value as V)) throw mustBe(spec, key, what, value);
      return value as V;
    });
    return spec as OptionSpec<Resolved<V, S>>;
  },

  custom,
};

// ---- unknown keys and hints ----

/** 'bootstrap.servers' / 'request_timeout_ms' / 'client-id' -> 'bootstrapServers' / ... */
export function javaNameToCamelCase(name: string): string {
  return name.toLowerCase().replace(/[._-]+([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Edit distance counting an adjacent swap as one edit (optimal string alignment), the usual typo. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The option a user probably meant by an unknown key, or null. */
export function suggestOption(schema: OptionSchema, unknownKey: string): string | null {
  const keys = Object.keys(schema);
  for (const key of keys) {
    if (schema[key]!.aliases.includes(unknownKey)) return key;
  }
  const camel = javaNameToCamelCase(unknownKey);
  const lowered = camel.toLowerCase();
  const sameIgnoringCase = keys.find((key) => key.toLowerCase() === lowered);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const key of keys) {
    const distance = editDistance(lowered, key.toLowerCase());
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  // Short names have too many neighbours for a guess to be helpful.
  return best !== null && bestDistance <= Math.min(3, Math.floor(unknownKey.length / 4)) ? best : null;
}

function unknownKeyError(schema: OptionSchema, what: string, key: string): KafkaConfigError {
  const suggestion = suggestOption(schema, key);
  if (suggestion !== null) {
    const style = key.includes('.') ? ' (kafkats options are camelCase mirrors of the Java client\'s names)' : '';
    return new KafkaConfigError(`unknown ${what} option '${key}': did you mean ${suggestion}?${style}`);
  }
  return new KafkaConfigError(`unknown ${what} option '${key}' (known options: ${Object.keys(schema).join(', ')})`);
}

/** Whether `value` is a plain options object (not null, an array, a Map, a class instance...). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Validates `input` against `schema` and returns the resolved options (defaults filled in). Keys
 * whose value is `undefined` count as missing. Throws `KafkaConfigError` naming the offending key.
 */
export function resolveOptions<S extends OptionSchema>(schema: S, input: unknown, settings: ResolveSettings<S>): ResolvedOptions<S> {
  const { what } = settings;
  if (!isPlainObject(input)) throw new KafkaConfigError(`${what} options must be an object, got ${describeValue(input)}`);
  const given = new Set<string>();
  for (const key of Object.keys(input)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) throw unknownKeyError(schema, what, key);
    if (input[key] !== undefined) given.add(key);
  }
  const resolved: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const spec = schema[key]!;
    resolved[key] = given.has(key) ? spec.parse(input[key], key, what) : spec.missing(key, what);
  }
  const typed = resolved as ResolvedOptions<S>;
  for (const check of settings.checks ?? []) {
    const problem = check(typed, given);
    if (problem !== null) throw new KafkaConfigError(`${what} options: ${problem}`);
  }
  return typed;
}

/** A check that `lowKey` is not above `highKey` (e.g. reconnectBackoffMs and reconnectBackoffMaxMs). */
export function notAbove<S extends OptionSchema>(lowKey: keyof S & string, highKey: keyof S & string): OptionCheck<S> {
  return (resolved) => {
    const low = resolved[lowKey] as unknown;
    const high = resolved[highKey] as unknown;
    if (typeof low === 'number' && typeof high === 'number' && low > high) {
      return `${lowKey} (${low}) must not be greater than ${highKey} (${high})`;
    }
    return null;
  };
}
