/**
 * Test support: a long-running kafka-python process (test/peers/kafka_python_codec.py) spoken to
 * in JSON lines, and the mapping between kafkats's named values and kafka-python's positional
 * schemas (by field order, with the few structural differences handled explicitly).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inRange, REPO_ROOT, type SpecField, type SpecStruct } from './spec-values.js';

export const PYTHON = '/usr/bin/python3';
const PEER = join(REPO_ROOT, 'test/peers/kafka_python_codec.py');

export type KpType =
  | { type: 'int8' | 'int16' | 'int32' | 'int64' | 'bool' | 'string' | 'bytes' | 'string-class' }
  | { type: 'array'; of: KpType }
  | { type: 'schema'; fields: (KpType & { name: string })[] };

export interface CatalogEntry {
  name: string;
  kind: 'request' | 'response' | 'data';
  apiKey?: number;
  /** For data entries: the kafkats message name. */
  message?: string;
  version: number;
  declaredVersion?: number;
  className: string;
  /** kafka-python writes this structure with its version as a leading int16 field. */
  versionPrefix: boolean;
  schema: KpType & { type: 'schema' };
}

type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string };

/** Whether kafka-python can be imported by the system Python (python3-kafka installed). */
export function kafkaPythonAvailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import kafka.protocol.api'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0 ? null : `kafka-python missing: ${probe.stderr.trim()}`;
}

export class KafkaPythonPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((answer: Answer) => void)[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn(PYTHON, [PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const resolve = this.waiting.shift();
      if (resolve) resolve(JSON.parse(line) as Answer);
    });
    this.child.on('exit', () => {
      for (const resolve of this.waiting.splice(0)) resolve({ ok: false, error: `peer exited: ${this.stderr}` });
    });
  }

  call(request: Record<string, unknown>): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  async close(): Promise<number | null> {
    this.child.stdin.end();
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping named values to positional ones

export interface Mapping {
  /** kafkats value (named, decoded form) -> kafka-python JSON (positional). */
  toPositional(value: unknown): unknown;
  /** Top-level fields whose kafka-python type cannot encode a non-empty value (see 'string-class'). */
  brokenFields: string[];
}

const PRIMITIVE_MATCH: Record<string, string[]> = {
  int8: ['int8'],
  int16: ['int16'],
  int32: ['int32'],
  int64: ['int64'],
  bool: ['bool'],
  string: ['string', 'string-class'],
  bytes: ['bytes'],
  records: ['bytes'],
};

function primitiveJson(type: string, value: unknown): unknown {
  if (value === null) return null;
  if (type === 'int64') return { $i64: String(value) };
  if (type === 'bytes' || type === 'records') return { $b: (value as Buffer).toString('hex') };
  return value;
}

function usesBrokenType(type: KpType): boolean {
  if (type.type === 'string-class') return true;
  if (type.type === 'array') return usesBrokenType(type.of);
  if (type.type === 'schema') return type.fields.some(usesBrokenType);
  return false;
}

/** Fields of a struct present in a (non-flexible) version, in wire order. */
function presentFields(struct: SpecStruct, version: number): SpecField[] {
  return struct.fields.filter((f) => inRange(f.versions, version) && !inRange(f.taggedVersions, version));
}

type Convert = (value: unknown) => unknown;

function alignElement(field: SpecField, kp: KpType, version: number, where: string): Convert {
  if (field.struct) {
    if (kp.type === 'schema') return alignStruct(field.struct, kp, version, where);
    // kafka-python flattens a one-field struct to its field (e.g. MetadataRequest topics: [string]).
    // (CreatePartitionsRequest assignments: [[int32]] for [{ brokerIds: [int32] }].)
    const only = presentFields(field.struct, version);
    if (only.length === 1 && !only[0]!.struct) {
      const inner = alignField(only[0]!, kp, version, `${where}.${only[0]!.name}`);
      return (value) => inner((value as Record<string, unknown>)[only[0]!.name]);
    }
    throw new Error(`${where}: struct ${field.struct.name} vs kafka-python ${kp.type}`);
  }
  const allowed = PRIMITIVE_MATCH[field.elem];
  if (!allowed || !allowed.includes(kp.type)) throw new Error(`${where}: ${field.elem} vs kafka-python ${kp.type}`);
  return (value) => primitiveJson(field.elem, value);
}

function alignField(field: SpecField, kp: KpType, version: number, where: string): Convert {
  if (field.isArray) {
    if (kp.type !== 'array') throw new Error(`${where}: array vs kafka-python ${kp.type}`);
    const element = alignElement(field, kp.of, version, `${where}[]`);
    return (value) => (value === null ? null : (value as unknown[]).map(element));
  }
  if (field.struct && kp.type !== 'schema') throw new Error(`${where}: struct vs kafka-python ${kp.type}`);
  const convert = alignElement(field, kp, version, where);
  return (value) => (value === null ? null : convert(value));
}

function alignStruct(struct: SpecStruct, kp: KpType & { type: 'schema' }, version: number, where: string): Convert {
  return alignFields(presentFields(struct, version), kp, version, where);
}

function alignFields(fields: SpecField[], kp: KpType & { type: 'schema' }, version: number, where: string): Convert {
  const mismatch = (): Error =>
    new Error(
      `${where}: ${fields.length} field(s) (${fields.map((f) => f.name).join(', ')}) vs kafka-python ${kp.fields.length} (${kp.fields.map((f) => f.name).join(', ')})`,
    );
  const converters: Convert[] = [];
  let next = 0;
  for (const kpField of kp.fields) {
    const field = fields[next];
    if (!field) throw mismatch();
    if (kpField.type === 'schema' && (field.isArray || !field.struct)) {
      // kafka-python nests consecutive fields in a sub-schema (CreatePartitionsRequest new_partitions).
      const group = fields.slice(next, next + kpField.fields.length);
      if (group.length !== kpField.fields.length) throw mismatch();
      const nested = alignFields(group, kpField, version, `${where}.(${group.map((f) => f.name).join(', ')})`);
      converters.push(nested);
      next += group.length;
      continue;
    }
    const convert = alignField(field, kpField, version, `${where}.${field.name}`);
    converters.push((value) => convert((value as Record<string, unknown>)[field.name]));
    next++;
  }
  if (next !== fields.length) throw mismatch();
  return (value) => converters.map((convert) => convert(value));
}

/** Aligns a kafkats struct with a kafka-python schema; throws with the reason when they differ. */
export function align(struct: SpecStruct, entry: CatalogEntry): Mapping {
  const schema = entry.versionPrefix
    ? { type: 'schema' as const, fields: entry.schema.fields.slice(1) }
    : entry.schema;
  if (entry.versionPrefix && entry.schema.fields[0]?.type !== 'int16') throw new Error(`${entry.className}: no version prefix`);
  const convert = alignStruct(struct, schema, entry.version, struct.name);
  const fields = presentFields(struct, entry.version);
  const brokenFields = fields.filter((_, i) => usesBrokenType(schema.fields[i]!)).map((f) => f.name);
  return {
    toPositional: (value) => {
      const positional = convert(value) as unknown[];
      return entry.versionPrefix ? [entry.version, ...positional] : positional;
    },
    brokenFields,
  };
}
