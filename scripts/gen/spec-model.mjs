// Reads Kafka's JSON message specs and turns them into the model the emitters work from:
// version ranges, structs with TypeScript names, the versions in which each struct can occur
// (its "hull", used to drop version checks that are always true), defaults and minimum sizes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PRIMITIVE_TYPES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records',
]);

/** Removes `//` comments outside JSON strings (the spec files are JSON with line comments). */
export function stripComments(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Version ranges: { lo, hi } with hi = Infinity for "N+"; null is the empty range.

export function parseRange(text, where) {
  if (text === undefined) return null;
  if (text === 'none') return null;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`${where}: cannot parse version range ${JSON.stringify(text)}`);
}

export function intersect(a, b) {
  if (!a || !b) return null;
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
}

export function hullOf(a, b) {
  if (!a) return b;
  if (!b) return a;
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

export function contains(outer, inner) {
  if (!inner) return true;
  if (!outer) return false;
  return outer.lo <= inner.lo && outer.hi >= inner.hi;
}

export function rangeText(range) {
  if (!range) return 'none';
  if (range.hi === Infinity) return `${range.lo}+`;
  return range.lo === range.hi ? `${range.lo}` : `${range.lo}-${range.hi}`;
}

/**
 * A boolean expression over `version` that is true exactly for the versions of `range` that lie in
 * `within` (the versions the code can run with); 'true' / 'false' when that is constant.
 */
export function versionCondition(range, within, variable = 'version') {
  const live = intersect(range, within);
  if (!live) return 'false';
  if (contains(range, within)) return 'true';
  const parts = [];
  if (live.lo > within.lo) parts.push(`${variable} >= ${live.lo}`);
  if (live.hi < within.hi) parts.push(`${variable} <= ${live.hi}`);
  return parts.join(' && ');
}

// ---------------------------------------------------------------------------------------------
// Names

export function camelCase(name) {
  return name[0].toLowerCase() + name.slice(1);
}

export function kebabCase(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * TypeScript name of a struct of a message: the message name followed by the struct's spec name,
 * with a leading copy of the message name or of the API name dropped so that e.g.
 * `MetadataResponseTopic` stays `MetadataResponseTopic` and `FetchTopic` in FetchRequest becomes
 * `FetchRequestTopic` rather than a stutter.
 */
function structTsName(messageName, apiName, specName) {
  const startsWithWord = (prefix) => specName.length > prefix.length && specName.startsWith(prefix) && /[A-Z]/.test(specName[prefix.length]);
  if (startsWithWord(messageName)) return specName;
  if (apiName && startsWithWord(apiName)) return messageName + specName.slice(apiName.length);
  return messageName + specName;
}

// ---------------------------------------------------------------------------------------------
// Loading

export function loadSpecs(specDir) {
  const specs = [];
  for (const file of readdirSync(specDir).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(stripComments(readFileSync(join(specDir, file), 'utf8')));
    specs.push({ file, json });
  }
  return specs;
}

/** Builds the model of one message spec (a request, response, header or data structure). */
export function buildMessage(file, json) {
  const where = file;
  const validVersions = parseRange(json.validVersions, where);
  if (!validVersions || validVersions.hi === Infinity) throw new Error(`${where}: bad validVersions`);
  const flexibleVersions = parseRange(json.flexibleVersions, where);
  const apiName =
    json.type === 'request' ? json.name.replace(/Request$/, '') : json.type === 'response' ? json.name.replace(/Response$/, '') : null;
  const message = {
    file,
    name: json.name,
    apiName,
    kind: json.type,
    apiKey: json.apiKey ?? null,
    validVersions,
    flexibleVersions,
    deprecatedVersions: parseRange(json.deprecatedVersions, where),
    latestVersionUnstable: json.latestVersionUnstable === true,
    listeners: json.listeners ?? [],
    structs: new Map(), // spec name -> struct
    top: null,
  };

  const commonDefs = new Map((json.commonStructs ?? []).map((s) => [s.name, s]));
  const declare = (specName, fieldsJson, isTop) => {
    if (message.structs.has(specName)) throw new Error(`${where}: struct ${specName} defined twice`);
    const struct = {
      specName,
      tsName: isTop ? json.name : structTsName(json.name, apiName, specName),
      fields: [],
      hull: null,
      isTop,
    };
    message.structs.set(specName, struct);
    struct.fields = fieldsJson.map((f) => buildField(f, struct));
    return struct;
  };
  const buildField = (f, owner) => {
    const fieldWhere = `${where} ${owner.specName}.${f.name}`;
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    let elem;
    if (PRIMITIVE_TYPES.has(base)) {
      if (f.fields) throw new Error(`${fieldWhere}: primitive type with fields`);
      if (isArray && base === 'records') throw new Error(`${fieldWhere}: array of records`);
      elem = { kind: 'primitive', name: base };
    } else {
      let struct;
      if (f.fields) struct = declare(base, f.fields, false);
      else if (commonDefs.has(base)) struct = message.structs.get(base) ?? declare(base, commonDefs.get(base).fields, false);
      else throw new Error(`${fieldWhere}: unknown type ${base}`);
      elem = { kind: 'struct', struct };
    }
    const versions = parseRange(f.versions, fieldWhere);
    const taggedVersions = parseRange(f.taggedVersions, fieldWhere);
    // One spec (BrokerHeartbeatRequest) writes its tag as a string.
    const tag = typeof f.tag === 'string' && /^\d+$/.test(f.tag) ? Number(f.tag) : f.tag;
    if (taggedVersions) {
      if (tag === undefined || !Number.isInteger(tag) || tag < 0) throw new Error(`${fieldWhere}: tagged field without a valid tag`);
      // Kafka's generator requires a tagged field to be tagged in every version it exists in.
      if (rangeText(taggedVersions) !== rangeText(versions)) throw new Error(`${fieldWhere}: taggedVersions differ from versions`);
      if (!contains(flexibleVersions, taggedVersions)) throw new Error(`${fieldWhere}: tagged outside flexible versions`);
    } else if (f.tag !== undefined) {
      throw new Error(`${fieldWhere}: tag without taggedVersions`);
    }
    const field = {
      specName: f.name,
      name: camelCase(f.name),
      isArray,
      elem,
      versions,
      nullableVersions: intersect(parseRange(f.nullableVersions, fieldWhere), versions),
      taggedVersions,
      tag: taggedVersions ? tag : null,
      ignorable: f.ignorable === true,
      // Only RequestHeader.ClientId overrides this ("none": always the classic int16 string).
      flexibleVersions: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions, fieldWhere),
      about: f.about ?? '',
      default: undefined,
    };
    field.default = parseDefault(field, f.default, fieldWhere);
    return field;
  };

  message.top = declare(json.name, json.fields, true);
  if (commonDefs.size > 0) {
    for (const name of commonDefs.keys()) {
      if (!message.structs.has(name)) throw new Error(`${where}: common struct ${name} is never used`);
    }
  }
  computeHulls(message);
  const tsNames = new Set();
  for (const struct of message.structs.values()) {
    if (tsNames.has(struct.tsName)) throw new Error(`${where}: two structs named ${struct.tsName}`);
    tsNames.add(struct.tsName);
    const fieldNames = new Set();
    const tags = new Set();
    for (const field of struct.fields) {
      if (fieldNames.has(field.name)) throw new Error(`${where}: ${struct.specName} has two fields named ${field.name}`);
      if (field.name === 'unknownTaggedFields') throw new Error(`${where}: field name clashes with unknownTaggedFields`);
      fieldNames.add(field.name);
      if (field.tag !== null) {
        if (tags.has(field.tag)) throw new Error(`${where}: ${struct.specName} uses tag ${field.tag} twice`);
        tags.add(field.tag);
      }
    }
  }
  return message;
}

/** Every struct's hull: the versions in which it can be encoded, from the top-level validVersions down. */
function computeHulls(message) {
  message.top.hull = message.validVersions;
  let changed = true;
  while (changed) {
    changed = false;
    for (const struct of message.structs.values()) {
      if (!struct.hull) continue;
      for (const field of struct.fields) {
        if (field.elem.kind !== 'struct') continue;
        const live = intersect(struct.hull, field.versions);
        if (!live) continue;
        const target = field.elem.struct;
        const grown = hullOf(target.hull, live);
        if (!target.hull || grown.lo !== target.hull.lo || grown.hi !== target.hull.hi) {
          target.hull = grown;
          changed = true;
        }
      }
    }
  }
  for (const struct of message.structs.values()) {
    // A struct reachable from no valid version (only through fields of dropped versions) is still
    // typed, and codes for it are generated against the message's valid versions.
    struct.hull ??= message.validVersions;
    // Infinite ends are clamped so that conditions are computed against real versions.
    struct.hull = intersect(struct.hull, message.validVersions) ?? message.validVersions;
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults

const INT_RANGES = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/**
 * The spec's explicit default as a tagged value: { kind: 'null' } | { kind: 'value', value }, or
 * undefined when the spec gives none (the type's zero value, or null where nullable, applies).
 */
function parseDefault(field, raw, where) {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (text === 'null') {
    if (!field.nullableVersions) throw new Error(`${where}: default null on a field that is never nullable`);
    return { kind: 'null' };
  }
  if (field.isArray || field.elem.kind === 'struct') throw new Error(`${where}: only null can be the default of ${field.isArray ? 'an array' : 'a struct'}`);
  const type = field.elem.name;
  if (type === 'bool') {
    if (text !== 'true' && text !== 'false') throw new Error(`${where}: bad bool default ${text}`);
    return { kind: 'value', value: text === 'true' };
  }
  if (type in INT_RANGES) {
    const value = /^-?0x[0-9a-f]+$/i.test(text) ? (text.startsWith('-') ? -Number(text.slice(1)) : Number(text)) : Number(text);
    const [min, max] = INT_RANGES[type];
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${where}: default ${text} out of range for ${type}`);
    return { kind: 'value', value };
  }
  if (type === 'int64') {
    const negative = text.startsWith('-');
    const digits = negative ? text.slice(1) : text;
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(digits)) throw new Error(`${where}: bad int64 default ${text}`);
    const value = negative ? -BigInt(digits) : BigInt(digits);
    if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new Error(`${where}: int64 default out of range`);
    return { kind: 'value', value };
  }
  if (type === 'float64') {
    const value = Number(text);
    if (Number.isNaN(value) && text !== 'NaN') throw new Error(`${where}: bad float64 default ${text}`);
    return { kind: 'value', value };
  }
  if (type === 'string') return { kind: 'value', value: text };
  throw new Error(`${where}: explicit default not supported for type ${type}`);
}

// ---------------------------------------------------------------------------------------------
// Per-version facts about a field

/** Whether the field uses compact (flexible) encodings in a version, honouring a field override. */
export function fieldFlexibleRange(message, field) {
  return field.flexibleVersions === undefined ? message.flexibleVersions : field.flexibleVersions;
}

/** Minimum encoded size of one value of a field in one version (for bounding array counts). */
function fieldMinSize(message, field, version) {
  const flexible = contains(fieldFlexibleRange(message, field), { lo: version, hi: version });
  if (field.isArray) return flexible ? 1 : 4;
  if (field.elem.kind === 'struct') {
    if (field.nullableVersions && contains(field.nullableVersions, { lo: version, hi: version })) return 1;
    return structMinSize(message, field.elem.struct, version);
  }
  switch (field.elem.name) {
    case 'bool':
    case 'int8':
      return 1;
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
    case 'uuid':
      return 16;
    case 'string':
      return flexible ? 1 : 2;
    case 'bytes':
    case 'records':
      return flexible ? 1 : 4;
  }
  throw new Error(`unknown type ${field.elem.name}`);
}

export function structMinSize(message, struct, version) {
  const at = { lo: version, hi: version };
  let size = contains(message.flexibleVersions, at) ? 1 : 0; // the tagged-field count
  for (const field of struct.fields) {
    if (!contains(field.versions, at) || (field.taggedVersions && contains(field.taggedVersions, at))) continue;
    size += fieldMinSize(message, field, version);
  }
  return size;
}

/** Minimum encoded size of one element of an array field over the versions of `range` (at least 1). */
export function elementMinSize(message, field, range) {
  let min = Infinity;
  for (let version = range.lo; version <= range.hi; version++) {
    let size;
    if (field.elem.kind === 'struct') size = structMinSize(message, field.elem.struct, version);
    else size = fieldMinSize(message, { ...field, isArray: false, nullableVersions: null }, version);
    min = Math.min(min, size);
  }
  return Math.max(min, 1);
}
