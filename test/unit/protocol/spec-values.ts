/**
 * Test support: reads Kafka's JSON message specs independently of the code generator and builds
 * random values for any message and version (seeded, so every run is the same), together with the
 * value a decoder must return for them. Shared by the round-trip, fuzz and kafka-python tests.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest directory above this file holding the specs, so that the tests
 * find it both from test/ (run through tsx) and from the compiled dist/test/.
 */
function findRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let directory = here; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'spec/kafka/messages')) && existsSync(join(directory, 'scripts/generate-protocol.mjs'))) return directory;
    if (dirname(directory) === directory) throw new Error(`no kafkats repository above ${here}`);
  }
}

export const REPO_ROOT = findRoot();
export const SPEC_DIR = join(REPO_ROOT, 'spec/kafka/messages');

export interface Range {
  lo: number;
  hi: number;
}

export interface SpecField {
  /** Spec name, e.g. 'TopicData'. */
  specName: string;
  /** camelCase name as the generated code uses it. */
  name: string;
  isArray: boolean;
  /** Element type: a primitive name or the struct. */
  elem: string;
  struct: SpecStruct | null;
  versions: Range | null;
  nullableVersions: Range | null;
  taggedVersions: Range | null;
  tag: number | null;
  /** The spec's `default` text, if any. */
  default: string | undefined;
  ignorable: boolean;
  /** A field-level flexibleVersions override (RequestHeader.ClientId: 'none'). */
  flexibleOverride: Range | null | undefined;
}

export interface SpecStruct {
  name: string;
  fields: SpecField[];
}

export interface SpecMessage {
  file: string;
  name: string;
  type: 'request' | 'response' | 'data' | 'header';
  apiKey: number | null;
  /** The API name ('Produce' for ProduceRequest); the message name for data and headers. */
  apiName: string;
  validVersions: Range;
  flexibleVersions: Range | null;
  top: SpecStruct;
}

export function parseRange(text: string | undefined): Range | null {
  if (text === undefined || text === 'none') return null;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { lo: Number(plus[1]), hi: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return { lo: Number(span[1]), hi: Number(span[2]) };
  if (/^\d+$/.test(text)) return { lo: Number(text), hi: Number(text) };
  throw new Error(`bad version range ${text}`);
}

export function inRange(range: Range | null, version: number): boolean {
  return range !== null && version >= range.lo && version <= range.hi;
}

/** JSON with `//` line comments -> JSON (comments never contain quotes that matter: strings are skipped). */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '\\') i++;
        else if (c === '"') inString = !inString;
        else if (!inString && c === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: JsonField[];
}

interface JsonMessage {
  name: string;
  type: SpecMessage['type'];
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: { name: string; fields: JsonField[] }[];
}

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records']);

function loadMessage(file: string): SpecMessage {
  const json = JSON.parse(withoutComments(readFileSync(join(SPEC_DIR, file), 'utf8'))) as JsonMessage;
  const common = new Map((json.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const built = new Map<string, SpecStruct>();
  const struct = (name: string, fields: JsonField[]): SpecStruct => {
    const existing = built.get(name);
    if (existing) return existing;
    const result: SpecStruct = { name, fields: [] };
    built.set(name, result);
    result.fields = fields.map(field);
    return result;
  };
  const field = (f: JsonField): SpecField => {
    const isArray = f.type.startsWith('[]');
    const elem = isArray ? f.type.slice(2) : f.type;
    let nested: SpecStruct | null = null;
    if (!PRIMITIVES.has(elem)) {
      const fields = f.fields ?? common.get(elem);
      if (!fields) throw new Error(`${file}: unknown type ${elem}`);
      nested = struct(elem, fields);
    }
    const versions = parseRange(f.versions);
    const nullable = parseRange(f.nullableVersions);
    return {
      specName: f.name,
      name: f.name[0]!.toLowerCase() + f.name.slice(1),
      isArray,
      elem,
      struct: nested,
      versions,
      // A field is nullable only where it exists.
      nullableVersions:
        nullable && versions ? { lo: Math.max(nullable.lo, versions.lo), hi: Math.min(nullable.hi, versions.hi) } : null,
      taggedVersions: parseRange(f.taggedVersions),
      tag: f.tag === undefined ? null : Number(f.tag),
      default: f.default === undefined ? undefined : String(f.default),
      ignorable: f.ignorable === true,
      flexibleOverride: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
    };
  };
  const validVersions = parseRange(json.validVersions)!;
  return {
    file,
    name: json.name,
    type: json.type,
    apiKey: json.apiKey ?? null,
    apiName: json.name.replace(json.type === 'request' ? /Request$/ : json.type === 'response' ? /Response$/ : /$^/, ''),
    validVersions,
    flexibleVersions: parseRange(json.flexibleVersions),
    top: struct(json.name, json.fields),
  };
}

let cache: SpecMessage[] | undefined;

/** Every message spec (requests, responses, data structures and headers). */
export function loadSpecMessages(): SpecMessage[] {
  cache ??= readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map(loadMessage);
  return cache;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** Uniform 32-bit unsigned integer (xorshift32). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  chance(probability: number): boolean {
    return this.next() / 0x100000000 < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults, as the conventions define them

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function explicitDefault(field: SpecField): { value: unknown } | undefined {
  const text = field.default;
  if (text === undefined) return undefined;
  if (text === 'null') return { value: null };
  switch (field.elem) {
    case 'bool':
      return { value: text === 'true' };
    case 'int64':
      return { value: BigInt(text) };
    case 'string':
      return { value: text };
    default:
      return { value: Number(text) };
  }
}

function zeroValue(field: SpecField, version: number): unknown {
  if (field.isArray) return [];
  if (field.struct) return defaultStruct(field.struct, version);
  switch (field.elem) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    default:
      return 0;
  }
}

/** The value a decoder returns for a field that was not sent in `version` (or is not in it). */
export function defaultValue(field: SpecField, version: number): unknown {
  const explicit = explicitDefault(field);
  if (explicit) return explicit.value;
  if (inRange(field.nullableVersions, version)) return null;
  return zeroValue(field, version);
}

export function defaultStruct(struct: SpecStruct, version: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of struct.fields) out[field.name] = defaultValue(field, version);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random values

export const SAMPLE_STRINGS = [
  '',
  'a',
  'topic-1',
  'ünïcödé',
  '日本語のトピック',
  'emoji 🎉🚀 and more',
  'x'.repeat(43),
  'long-'.repeat(40),
  'ß'.repeat(70),
];

export const INT64_EXTREMES = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n, -(2n ** 53n)];

function randomPrimitive(type: string, rng: Rng): unknown {
  const extreme = rng.chance(0.3);
  switch (type) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      return extreme ? rng.pick([-128, 127, 0, -1]) : (rng.next() << 24) >> 24;
    case 'int16':
      return extreme ? rng.pick([-32768, 32767, 0, -1]) : (rng.next() << 16) >> 16;
    case 'uint16':
      return extreme ? rng.pick([0, 65535]) : rng.next() & 0xffff;
    case 'int32':
      return extreme ? rng.pick([-2147483648, 2147483647, 0, -1]) : rng.next() | 0;
    case 'uint32':
      return extreme ? rng.pick([0, 4294967295]) : rng.next();
    case 'int64':
      return extreme ? rng.pick(INT64_EXTREMES) : BigInt.asIntN(64, (BigInt(rng.next()) << 32n) | BigInt(rng.next()));
    case 'float64':
      return extreme ? rng.pick([0, -0, Infinity, -Infinity, Number.NaN, Number.MAX_VALUE, Number.MIN_VALUE]) : (rng.next() - 2 ** 31) / 7;
    case 'string':
      return rng.pick(SAMPLE_STRINGS);
    case 'uuid':
      return rng.chance(0.2) ? ZERO_UUID : rng.bytes(16).toString('base64url');
    case 'bytes':
    case 'records':
      return rng.bytes(rng.pick([0, 1, 5, 20, 130]));
  }
  throw new Error(`unknown primitive ${type}`);
}

export interface GenerateOptions {
  /** Probability that a field is left out of the input (so the encoder uses its default). */
  omit: number;
  /** Probability that a nullable field is null. */
  nulls: number;
  /** Maximum array length. */
  maxArray: number;
  /** Add unknown tagged fields in flexible versions. */
  unknownTags: boolean;
}

export const DEFAULT_OPTIONS: GenerateOptions = { omit: 0.15, nulls: 0.25, maxArray: 3, unknownTags: true };

export interface Generated {
  /** What is given to the encoder. */
  input: Record<string, unknown>;
  /** What the decoder must return for the encoding of `input`. */
  expected: Record<string, unknown>;
}

function isFlexible(message: SpecMessage, version: number): boolean {
  return inRange(message.flexibleVersions, version);
}

/** A random value of one struct in one version, with the decoded value it must come back as. */
export function randomStruct(
  message: SpecMessage,
  struct: SpecStruct,
  version: number,
  rng: Rng,
  options: GenerateOptions = DEFAULT_OPTIONS,
  depth = 0,
): Generated {
  const input: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const field of struct.fields) {
    if (!inRange(field.versions, version)) {
      // Not in this version: the decoder returns the default; the input may hold it or leave it out.
      const value = defaultValue(field, version);
      if (!field.struct && !field.isArray && rng.chance(0.3)) input[field.name] = value;
      expected[field.name] = value;
      continue;
    }
    if (rng.chance(options.omit)) {
      expected[field.name] = defaultValue(field, version);
      continue;
    }
    const isTagged = inRange(field.taggedVersions, version);
    if (isTagged && rng.chance(0.3)) {
      // A tagged field holding its default is not written, and decodes as the default again.
      const value = defaultValue(field, version);
      input[field.name] = value;
      expected[field.name] = defaultValue(field, version);
      continue;
    }
    const { input: value, expected: decoded } = randomFieldValue(message, field, version, rng, options, depth);
    input[field.name] = value;
    expected[field.name] = decoded;
  }
  if (options.unknownTags && isFlexible(message, version) && rng.chance(0.3)) {
    const known = new Set(struct.fields.map((f) => f.tag).filter((t) => t !== null));
    const tags = new Set<number>();
    const count = 1 + rng.below(2);
    while (tags.size < count) {
      const tag = rng.pick([rng.below(10), 100 + rng.below(50), 10000 + rng.below(100000)]);
      if (!known.has(tag)) tags.add(tag);
    }
    const unknown = [...tags].sort((a, b) => a - b).map((tag) => ({ tag, data: rng.bytes(rng.pick([0, 1, 3, 200])) }));
    input.unknownTaggedFields = unknown;
    expected.unknownTaggedFields = unknown;
  }
  return { input, expected };
}

function randomFieldValue(
  message: SpecMessage,
  field: SpecField,
  version: number,
  rng: Rng,
  options: GenerateOptions,
  depth: number,
): { input: unknown; expected: unknown } {
  if (inRange(field.nullableVersions, version) && rng.chance(options.nulls)) return { input: null, expected: null };
  const element = (): { input: unknown; expected: unknown } => {
    if (field.struct) return randomStruct(message, field.struct, version, rng, options, depth + 1);
    const value = randomPrimitive(field.elem, rng);
    return { input: value, expected: value };
  };
  if (!field.isArray) {
    const one = element();
    // Classic (non-flexible) strings have an int16 length: keep them within it.
    return one;
  }
  const length = depth > 3 ? 0 : rng.below(options.maxArray + 1);
  const items = Array.from({ length }, element);
  return { input: items.map((i) => i.input), expected: items.map((i) => i.expected) };
}

/** All (message, version) pairs: requests and responses of every API, plus data and header structures. */
export function allMessageVersions(): { message: SpecMessage; version: number }[] {
  const out: { message: SpecMessage; version: number }[] = [];
  for (const message of loadSpecMessages()) {
    for (let version = message.validVersions.lo; version <= message.validVersions.hi; version++) out.push({ message, version });
  }
  return out;
}
