// Emits the TypeScript encode/decode functions of one message's structs.
//
// Conventions of the generated code: `w` is the Writer, `r` the Reader, `v` the version and `s`
// the struct being written. Every struct gets one read function and one write function that branch
// on the version; version checks that are always true for the versions in which a struct can occur
// (its hull) are left out, so most fields compile to a single straight-line read or write.
import {
  elementMinSize,
  fieldFlexibleRange,
  intersect,
  rangeText,
  versionCondition,
} from './spec-model.mjs';

const NUMBER_IO = {
  bool: ['readBool', 'writeBool'],
  int8: ['readInt8', 'writeInt8'],
  int16: ['readInt16', 'writeInt16'],
  uint16: ['readUInt16', 'writeUInt16'],
  int32: ['readInt32', 'writeInt32'],
  uint32: ['readUInt32', 'writeUInt32'],
  int64: ['readInt64', 'writeInt64'],
  float64: ['readFloat64', 'writeFloat64'],
  uuid: ['readUuid', 'writeUuid'],
};

/** Types whose values can be null in the protocol (they have a length or a presence marker). */
export function isNullCapable(field) {
  return field.isArray || field.elem.kind === 'struct' || ['string', 'bytes', 'records'].includes(field.elem.name);
}

export function ternary(condition, whenTrue, whenFalse) {
  if (condition === 'true' || whenTrue === whenFalse) return whenTrue;
  if (condition === 'false') return whenFalse;
  return `(${condition} ? ${whenTrue} : ${whenFalse})`;
}

/** An `if` statement over a version condition, simplified when the condition is constant. */
function ifThen(condition, thenLines, elseLines = []) {
  if (condition === 'true') return thenLines;
  if (condition === 'false') return elseLines;
  if (thenLines.length === 0 && elseLines.length === 0) return [];
  if (thenLines.length === 0) return [`if (!(${condition})) {`, ...indent(elseLines), '}'];
  const out = [`if (${condition}) {`, ...indent(thenLines)];
  if (elseLines.length === 1 && elseLines[0].startsWith('if (')) return [...out, `} else ${elseLines[0]}`];
  if (elseLines.length > 0) out.push('} else {', ...indent(elseLines));
  out.push('}');
  return out;
}

export function indent(lines, depth = 1) {
  const pad = '  '.repeat(depth);
  return lines.map((line) => (line === '' ? line : pad + line));
}

export function literal(value) {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return String(value);
}

/**
 * Emits the codec functions of one message. Code that needs a helper (`defaultX(v)`,
 * `isDefaultX(s, v)`) names it; messages.mjs emits exactly the helpers the final text references.
 */
export class CodecContext {
  constructor(message) {
    this.message = message;
  }

  /** A field's label in error messages. */
  label(struct, field) {
    return `${struct.tsName}.${field.name}`;
  }

  /** The zero value of a field's type (no explicit default, not null). */
  zero(field, forDecode) {
    if (field.isArray) return '[]';
    if (field.elem.kind === 'struct') {
      if (!forDecode) return '{}';
      return `default${field.elem.struct.tsName}(v)`;
    }
    switch (field.elem.name) {
      case 'bool':
        return 'false';
      case 'int64':
        return '0n';
      case 'string':
        return "''";
      case 'bytes':
      case 'records':
        return 'EMPTY_BUFFER';
      case 'uuid':
        return 'ZERO_UUID';
      default:
        return '0';
    }
  }

  /**
   * The default of a field in version `v`: the spec's explicit default, else null where the field is
   * nullable in that version, else the zero value. `within` is the range of versions the code runs in.
   */
  defaultAt(field, within, forDecode) {
    if (field.default?.kind === 'null') return 'null';
    if (field.default?.kind === 'value') return literal(field.default.value);
    return ternary(versionCondition(field.nullableVersions, within, 'v'), 'null', this.zero(field, forDecode));
  }

  /** The value of a field in a version that lacks it: the explicit default, else the zero value. */
  absentDefault(field, forDecode) {
    if (field.default?.kind === 'null') return 'null';
    if (field.default?.kind === 'value') return literal(field.default.value);
    return this.zero(field, forDecode);
  }

  /** The default of a field whose presence depends on the version: defaultAt where present, else absentDefault. */
  initialValue(field, within, forDecode) {
    const live = intersect(field.versions, within);
    if (!live) return this.absentDefault(field, forDecode);
    return ternary(versionCondition(field.versions, within, 'v'), this.defaultAt(field, live, forDecode), this.absentDefault(field, forDecode));
  }

  /** Test that a value of the field's type (not undefined, not null) is the zero/explicit value. */
  valueIsDefault(field, x) {
    if (field.default?.kind === 'value') return `${x} === ${literal(field.default.value)}`;
    if (field.isArray) return `${x}.length === 0`;
    if (field.elem.kind === 'struct') {
      return `isDefault${field.elem.struct.tsName}(${x}, v)`;
    }
    switch (field.elem.name) {
      case 'bytes':
      case 'records':
        return `${x}.length === 0`;
      default:
        return `${x} === ${this.zero(field, false)}`;
    }
  }

  /**
   * Lenient "holds its default" test of an input value: undefined, null, or the field's explicit or
   * zero value. Used where the exact version does not matter (fields absent from a version).
   */
  lenientIsDefault(field, x) {
    if (field.default?.kind === 'null') return `(${x} == null)`;
    return `(${x} == null || ${this.valueIsDefault(field, x)})`;
  }

  /** Exact "equals its default in version v" test, deciding whether a tagged field is written. */
  exactIsDefault(field, x, within) {
    if (field.default?.kind === 'null') return `(${x} == null)`;
    const nullable = versionCondition(field.nullableVersions, within, 'v');
    if (field.default?.kind !== 'value' && nullable === 'true') return `(${x} == null)`;
    const notNullTest = isNullCapable(field) ? `${x} !== null && ` : '';
    const valueTest = `${notNullTest}${this.valueIsDefault(field, x)}`;
    if (field.default?.kind === 'value' || nullable === 'false') return `(${x} === undefined || (${valueTest}))`;
    return `(${x} === undefined || (${nullable} ? ${x} === null : ${valueTest}))`;
  }

  // -------------------------------------------------------------------------------------------
  // Decoding

  /** Expression reading one non-array value of the field's element type. */
  readValue(field, within, reader, nullableCondition) {
    const flexible = versionCondition(fieldFlexibleRange(this.message, field), within, 'v');
    if (field.elem.kind === 'struct') {
      const read = `read${field.elem.struct.tsName}(${reader}, v)`;
      return ternary(nullableCondition, `(${reader}.readInt8() < 0 ? null : ${read})`, read);
    }
    const name = field.elem.name;
    if (NUMBER_IO[name]) return `${reader}.${NUMBER_IO[name][0]}()`;
    const kind = name === 'string' ? 'String' : 'Bytes';
    const choose = (compact, nullable) => `${reader}.read${compact ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${kind}()`;
    return ternary(nullableCondition, ternary(flexible, choose(true, true), choose(false, true)), ternary(flexible, choose(true, false), choose(false, false)));
  }

  /** Statements assigning the decoded field (present in this version) to `target`. */
  readField(struct, field, within, reader, target) {
    const nullable = versionCondition(field.nullableVersions, within, 'v');
    if (!field.isArray) return [`${target} = ${this.readValue(field, within, reader, nullable)};`];
    const flexible = versionCondition(fieldFlexibleRange(this.message, field), within, 'v');
    const flexRange = intersect(within, fieldFlexibleRange(this.message, field));
    const classicRange = flexRange ? (flexRange.lo > within.lo ? { lo: within.lo, hi: flexRange.lo - 1 } : null) : within;
    const compactCount = flexRange ? `${reader}.readCompactArrayLength(${elementMinSize(this.message, field, flexRange)})` : '';
    const classicCount = classicRange ? `${reader}.readArrayLength(${elementMinSize(this.message, field, classicRange)})` : '';
    const count = ternary(flexible, compactCount, classicCount);
    const elementType = field.elem.kind === 'struct' ? field.elem.struct.tsName : primitiveTsType(field.elem.name);
    const element = this.readValue({ ...field, isArray: false, nullableVersions: null }, within, reader, 'false');
    const fill = [
      `const items: ${elementType}[] = [];`,
      `for (let i = 0; i < count; i++) items.push(${element});`,
      `${target} = items;`,
    ];
    const label = this.label(struct, field);
    const body =
      nullable === 'false'
        ? [`if (count === null) throw nullInFrame('${label}');`, ...fill]
        : [
            'if (count === null) {',
            ...(nullable === 'true' ? [] : [`  if (!(${nullable})) throw nullInFrame('${label}');`]),
            `  ${target} = null;`,
            '} else {',
            ...indent(fill),
            '}',
          ];
    return ['{', `  const count = ${count};`, ...indent(body), '}'];
  }

  readFunction(struct) {
    const within = struct.hull;
    const message = this.message;
    const lines = [`function read${struct.tsName}(r: Reader, v: number): ${struct.tsName} {`];
    const body = [];
    const props = [];
    const tagged = [];
    for (const field of struct.fields) {
      const present = intersect(field.versions, within);
      if (!present) continue;
      if (field.taggedVersions) {
        tagged.push(field);
        props.push(`${field.name}: ${this.initialValue(field, within, true)}`);
        continue;
      }
      const local = `_${field.name}`;
      const condition = versionCondition(field.versions, within, 'v');
      const read = this.readField(struct, field, present, 'r', local);
      if (condition === 'true' && read.length === 1) {
        body.push(`const ${read[0]}`);
      } else {
        const type = fieldTsType(field, within);
        if (condition === 'true') body.push(`let ${local}: ${type};`, ...read);
        else body.push(`let ${local}: ${type} = ${this.absentDefault(field, true)};`, ...ifThen(condition, unwrapBlock(read)));
      }
      props.push(`${field.name}: ${local}`);
    }
    // Fields never present in the struct's versions still appear in the decoded object.
    for (const field of struct.fields) {
      if (!intersect(field.versions, within)) props.push(`${field.name}: ${this.absentDefault(field, true)}`);
    }
    const ordered = orderProps(struct, props);
    const flexible = versionCondition(message.flexibleVersions, within, 'v');
    const literalLines = ordered.length === 0 ? ['{}'] : ['{', ...indent(ordered.map((p) => `${p},`)), '}'];
    if (flexible === 'false') {
      body.push(`return ${literalLines[0]}`, ...literalLines.slice(1, -1), ...(literalLines.length > 1 ? ['};'] : []));
      lines.push(...indent(body), '}');
      return lines;
    }
    body.push(`const result: ${struct.tsName} = ${literalLines[0]}`, ...literalLines.slice(1, -1), ...(literalLines.length > 1 ? ['};'] : []));
    const taggedSection = [];
    if (tagged.length === 0) {
      taggedSection.push('const unknown = r.readUnknownTaggedFields();', 'if (unknown !== undefined) result.unknownTaggedFields = unknown;');
    } else {
      taggedSection.push(
        'const tagCount = r.readTaggedFieldCount();',
        'let unknown: RawTaggedField[] | undefined;',
        'let previousTag = -1;',
        'for (let i = 0; i < tagCount; i++) {',
        '  const tag = r.readTag(previousTag);',
        '  previousTag = tag;',
        '  const size = r.readUVarint();',
      );
      let first = true;
      const flexibleWithin = intersect(message.flexibleVersions, within);
      for (const field of tagged.sort((a, b) => a.tag - b.tag)) {
        const condition = versionCondition(field.taggedVersions, flexibleWithin, 'v');
        const test = condition === 'true' ? `tag === ${field.tag}` : `tag === ${field.tag} && ${condition}`;
        taggedSection.push(`  ${first ? '' : '} else '}if (${test}) {`);
        taggedSection.push('    const field = r.subReader(size);');
        taggedSection.push(...indent(this.readField(struct, field, intersect(field.versions, within), 'field', `result.${field.name}`), 2));
        taggedSection.push(`    field.expectEnd('tagged field ${field.tag}');`);
        first = false;
      }
      taggedSection.push('  } else {', '    (unknown ??= []).push({ tag, data: r.readRaw(size) });', '  }', '}');
      taggedSection.push('if (unknown !== undefined) result.unknownTaggedFields = unknown;');
    }
    body.push(...ifThen(flexible, taggedSection));
    body.push('return result;');
    lines.push(...indent(body), '}');
    return lines;
  }

  // -------------------------------------------------------------------------------------------
  // Encoding

  /** Statements writing a present, non-null value `x` of the field. */
  writeValue(struct, field, within, x) {
    const flexible = versionCondition(fieldFlexibleRange(this.message, field), within, 'v');
    const nullable = versionCondition(field.nullableVersions, within, 'v');
    const writeOne = (value, elementField) => {
      if (elementField.elem.kind === 'struct') return `write${elementField.elem.struct.tsName}(w, v, ${value});`;
      const name = elementField.elem.name;
      if (NUMBER_IO[name]) return `w.${NUMBER_IO[name][1]}(${value});`;
      const kind = name === 'string' ? 'String' : 'Bytes';
      return ternaryStatement(flexible, `w.writeCompact${kind}(${value});`, `w.write${kind}(${value});`);
    };
    if (field.isArray) {
      return [
        ternaryStatement(flexible, `w.writeCompactArrayLength(${x}.length);`, `w.writeArrayLength(${x}.length);`),
        `for (const item of ${x}) ${writeOne('item', field)}`,
      ];
    }
    if (field.elem.kind === 'struct') {
      const marker = nullable === 'false' ? [] : ifThen(nullable, ['w.writeInt8(1);']);
      return [...marker, writeOne(x, field)];
    }
    return [writeOne(x, field)];
  }

  writeNull(field, within) {
    const flexible = versionCondition(fieldFlexibleRange(this.message, field), within, 'v');
    if (field.elem.kind === 'struct' && !field.isArray) return 'w.writeInt8(-1);';
    const classic = field.isArray || field.elem.name !== 'string' ? 'w.writeInt32(-1);' : 'w.writeInt16(-1);';
    return ternaryStatement(flexible, 'w.writeUVarint(0);', classic);
  }

  /** Statements writing the field (present in this version) from the input expression `input`. */
  writeField(struct, field, within, input, local) {
    const name = field.isArray ? null : field.elem.name;
    if (!field.isArray && NUMBER_IO[name]) {
      return [`w.${NUMBER_IO[name][1]}(${input} ?? ${this.defaultAt(field, within, false)});`];
    }
    const nullable = versionCondition(field.nullableVersions, within, 'v');
    const out = [`let ${local} = ${input};`, `if (${local} === undefined) ${local} = ${this.defaultAt(field, within, false)};`];
    const value = this.writeValue(struct, field, within, local);
    const label = this.label(struct, field);
    if (nullable === 'false') {
      out.push(`if (${local} === null) throw nullField('${label}');`, ...value);
    } else {
      const whenNull = nullable === 'true' ? [this.writeNull(field, within)] : [`if (!(${nullable})) throw nullField('${label}');`, this.writeNull(field, within)];
      out.push(`if (${local} === null) {`, ...indent(whenNull), '} else {', ...indent(value), '}');
    }
    return out;
  }

  /** The check for a field written in a version that lacks it. */
  absentCheck(struct, field, input) {
    if (field.ignorable) return [];
    return [`if (!${this.lenientIsDefault(field, input)}) throw unsupportedField('${this.label(struct, field)}', '${rangeText(field.versions)}');`];
  }

  writeFunction(struct) {
    const within = struct.hull;
    const message = this.message;
    const body = [];
    const tagged = [];
    for (const field of struct.fields) {
      const input = `s.${field.name}`;
      const present = intersect(field.versions, within);
      if (field.taggedVersions) {
        if (present) tagged.push(field);
        else body.push(...this.absentCheck(struct, field, input));
        continue;
      }
      const condition = versionCondition(field.versions, within, 'v');
      const write = present ? this.writeField(struct, field, present, input, `_${field.name}`) : [];
      body.push(...ifThen(condition, write, this.absentCheck(struct, field, input)));
    }
    const flexible = versionCondition(message.flexibleVersions, within, 'v');
    const section = [];
    if (tagged.length === 0) {
      section.push('w.writeUnknownTaggedFields(s.unknownTaggedFields);');
    } else {
      section.push('const unknown = orderedUnknownTags(s.unknownTaggedFields);', 'let tagCount = unknown === undefined ? 0 : unknown.length;');
      tagged.sort((a, b) => a.tag - b.tag);
      const flexibleWithin = intersect(message.flexibleVersions, within);
      for (const field of tagged) {
        const condition = versionCondition(field.taggedVersions, flexibleWithin, 'v');
        const test = `!${this.exactIsDefault(field, `s.${field.name}`, intersect(field.versions, within))}`;
        section.push(`const write${field.tag} = ${condition === 'true' ? test : `${condition} && ${test}`};`);
        section.push(`if (write${field.tag}) tagCount++;`);
      }
      section.push('w.writeUVarint(tagCount);', 'let unknownIndex = 0;');
      for (const field of tagged) {
        const condition = versionCondition(field.taggedVersions, flexibleWithin, 'v');
        const write = [
          `unknownIndex = w.writeUnknownTagsBefore(unknown, unknownIndex, ${field.tag});`,
          `if (write${field.tag}) {`,
          `  const start = w.beginTaggedField(${field.tag});`,
          ...indent(this.writeField(struct, field, intersect(field.versions, within), `s.${field.name}`, `_${field.name}`)),
          '  w.endTaggedField(start);',
          '}',
        ];
        section.push(...ifThen(condition, write, this.absentCheck(struct, field, `s.${field.name}`)));
      }
      section.push('w.writeUnknownTagsBefore(unknown, unknownIndex, Infinity);');
    }
    // As in the Java client, raw tagged fields cannot be dropped silently by a version without them.
    // Tagged fields do not exist in non-flexible versions either.
    const noTags = hasTaggedSection(message, struct)
      ? [
          `if (s.unknownTaggedFields !== undefined && s.unknownTaggedFields.length > 0) throw unsupportedTaggedFields('${struct.tsName}');`,
          ...tagged.flatMap((field) => this.absentCheck(struct, field, `s.${field.name}`)),
        ]
      : [];
    body.push(...ifThen(flexible, section, noTags));
    return [`function write${struct.tsName}(w: Writer, v: number, s: Input<${struct.tsName}>): void {`, ...indent(body), '}'];
  }

  // -------------------------------------------------------------------------------------------
  // Default helpers

  /** A fresh default instance of a struct (for decoded fields that were absent). */
  defaultFunction(struct) {
    const all = { lo: this.message.validVersions.lo, hi: this.message.validVersions.hi };
    const props = struct.fields.map((field) => `${field.name}: ${this.defaultAt(field, all, true)}`);
    return [
      `function default${struct.tsName}(v: number): ${struct.tsName} {`,
      props.length === 0 ? '  return {};' : '  return {',
      ...(props.length ? indent(props.map((p) => `${p},`), 2) : []),
      ...(props.length ? ['  };'] : []),
      '}',
    ];
  }

  /**
   * Whether an input struct holds only its defaults in version v (then a tagged field of that type
   * is not written, and a field of that type may be left out of a version that lacks it).
   */
  isDefaultFunction(struct) {
    const all = { lo: this.message.validVersions.lo, hi: this.message.validVersions.hi };
    const tests = struct.fields.map((field) => this.exactIsDefault(field, `s.${field.name}`, all));
    if (hasTaggedSection(this.message, struct)) tests.push('(s.unknownTaggedFields === undefined || s.unknownTaggedFields.length === 0)');
    return [
      `function isDefault${struct.tsName}(s: Input<${struct.tsName}>, v: number): boolean {`,
      `  return ${tests.length ? tests.join(' &&\n    ') : 'true'};`,
      '}',
    ];
  }
}

/** Whether the struct ends with a tagged-field section in some version it can occur in. */
export function hasTaggedSection(message, struct) {
  return intersect(message.flexibleVersions, struct.hull) !== null;
}

/** A `{ ... }` block's inner lines (when the caller wraps them in its own block anyway). */
function unwrapBlock(lines) {
  if (lines.length >= 2 && lines[0] === '{' && lines[lines.length - 1] === '}') return lines.slice(1, -1).map((l) => l.replace(/^ {2}/, ''));
  return lines;
}

function ternaryStatement(condition, whenTrue, whenFalse) {
  if (condition === 'true' || whenTrue === whenFalse) return whenTrue;
  if (condition === 'false') return whenFalse;
  return `if (${condition}) ${whenTrue} else ${whenFalse}`;
}

/** Object literal properties in the struct's field order (decoded objects get one stable shape). */
function orderProps(struct, props) {
  const byName = new Map(props.map((p) => [p.slice(0, p.indexOf(':')), p]));
  return struct.fields.map((f) => byName.get(f.name)).filter((p) => p !== undefined);
}

export function primitiveTsType(name) {
  switch (name) {
    case 'bool':
      return 'boolean';
    case 'int64':
      return 'bigint';
    case 'string':
    case 'uuid':
      return 'string';
    case 'bytes':
    case 'records':
      return 'Buffer';
    default:
      return 'number';
  }
}

/** The TypeScript type of a field, `| null` when it can be null in some version of `within`. */
export function fieldTsType(field, within) {
  const base = field.elem.kind === 'struct' ? field.elem.struct.tsName : primitiveTsType(field.elem.name);
  const type = field.isArray ? `${base}[]` : base;
  const nullable = field.default?.kind === 'null' || (within ? intersect(field.nullableVersions, within) : field.nullableVersions);
  return nullable ? `${type} | null` : type;
}

