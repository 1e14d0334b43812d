/**
 * Avro schemas (JSON text) parsed into a model the registry checks compatibility on and the AVRO
 * format encodes with. Parsing validates as Avro's own parser does: names are
 * [A-Za-z_][A-Za-z0-9_]* (dotted namespaces), named types are defined once, unions hold no
 * unions and no two branches of one unnamed type, defaults fit their field types. Named types
 * referenced by name resolve to the one definition, so recursive records become cycles.
 *
 * `printAvroSchema` writes the canonical text (Avro's Schema.toString: fixed key order, no
 * whitespace, namespaces only where they change, props kept), which is what registration
 * stores and compares, so schemas that differ only in layout get the same id.
 */

export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Attributes beyond the ones Avro defines: logicalType, precision, scale, connect.name, ... */
export type AvroProps = Record<string, unknown>;

export interface AvroPrimitive {
  readonly type: AvroPrimitiveName;
  readonly props: AvroProps;
}

export interface AvroRecord {
  readonly type: 'record' | 'error';
  /** The full name, namespace included. */
  readonly name: string;
  readonly aliases: readonly string[];
  readonly doc?: string;
  fields: AvroField[];
  readonly props: AvroProps;
}

export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly hasDefault: boolean;
  /** The default as JSON (null is a valid default, hence `hasDefault`). */
  readonly default?: unknown;
  readonly aliases: readonly string[];
  readonly doc?: string;
  readonly order?: string;
  readonly props: AvroProps;
}

export interface AvroEnum {
  readonly type: 'enum';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly doc?: string;
  readonly symbols: readonly string[];
  readonly default?: string;
  readonly props: AvroProps;
}

export interface AvroFixed {
  readonly type: 'fixed';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly doc?: string;
  readonly size: number;
  readonly props: AvroProps;
}

export interface AvroArray {
  readonly type: 'array';
  readonly items: AvroSchema;
  readonly props: AvroProps;
}

export interface AvroMap {
  readonly type: 'map';
  readonly values: AvroSchema;
  readonly props: AvroProps;
}

export interface AvroUnion {
  readonly type: 'union';
  readonly branches: readonly AvroSchema[];
}

export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;
export type AvroSchema = AvroPrimitive | AvroNamed | AvroArray | AvroMap | AvroUnion;

export class AvroSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AvroSchemaError';
  }
}

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const RESERVED: Record<string, readonly string[]> = {
  record: ['type', 'name', 'namespace', 'doc', 'fields', 'aliases'],
  error: ['type', 'name', 'namespace', 'doc', 'fields', 'aliases'],
  enum: ['type', 'name', 'namespace', 'doc', 'symbols', 'aliases', 'default'],
  fixed: ['type', 'name', 'namespace', 'doc', 'size', 'aliases'],
  array: ['type', 'items'],
  map: ['type', 'values'],
  field: ['name', 'type', 'doc', 'default', 'order', 'aliases'],
};

/** Named types by full name, shared across a schema and the schemas it references. */
export type AvroNames = Map<string, AvroNamed>;

/**
 * Parses Avro schema text. `references` are the texts of referenced schemas (Confluent schema
 * references), parsed first so their named types can be used by name.
 */
export function parseAvroSchema(text: string, references: readonly string[] = []): AvroSchema {
  const names: AvroNames = new Map();
  for (const ref of references) parseAvroJson(parseJsonText(ref), names);
  return parseAvroJson(parseJsonText(text), names);
}

export function parseAvroJson(json: unknown, names: AvroNames = new Map()): AvroSchema {
  return new Parser(names).parse(json, '');
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // A bare name ("MyRecord") is not JSON but is a valid schema reference.
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) return text.trim();
    throw new AvroSchemaError(`Invalid JSON: ${(err as Error).message}`);
  }
}

class Parser {
  constructor(private readonly names: AvroNames) {}

  parse(json: unknown, space: string): AvroSchema {
    if (typeof json === 'string') return this.named(json, space) ?? this.primitive(json, {});
    if (Array.isArray(json)) return this.union(json, space);
    if (typeof json !== 'object' || json === null) throw new AvroSchemaError(`Not a schema: ${JSON.stringify(json)}`);
    const obj = json as Record<string, unknown>;
    const type = obj.type;
    if (typeof type !== 'string') {
      if (typeof type === 'object' && type !== null) return this.parse(type, space);
      throw new AvroSchemaError(`No type: ${JSON.stringify(json)}`);
    }
    switch (type) {
      case 'record':
      case 'error':
        return this.record(obj, type, space);
      case 'enum':
        return this.enum(obj, space);
      case 'fixed':
        return this.fixed(obj, space);
      case 'array':
        if (obj.items === undefined) throw new AvroSchemaError('Array has no items type');
        return { type: 'array', items: this.parse(obj.items, space), props: props(obj, RESERVED.array!) };
      case 'map':
        if (obj.values === undefined) throw new AvroSchemaError('Map has no values type');
        return { type: 'map', values: this.parse(obj.values, space), props: props(obj, RESERVED.map!) };
      default:
        if (PRIMITIVES.has(type)) return this.primitive(type, props(obj, ['type']));
        return this.named(type, space) ?? this.primitive(type, {});
    }
  }

  private primitive(name: string, p: AvroProps): AvroPrimitive {
    if (!PRIMITIVES.has(name)) throw new AvroSchemaError(`Undefined name: "${name}"`);
    return { type: name as AvroPrimitiveName, props: p };
  }

  private named(name: string, space: string): AvroNamed | undefined {
    if (PRIMITIVES.has(name)) return undefined;
    if (name.includes('.')) return this.names.get(name);
    return (space !== '' ? this.names.get(`${space}.${name}`) : undefined) ?? this.names.get(name);
  }

  private union(json: unknown[], space: string): AvroUnion {
    const branches = json.map((b) => this.parse(b, space));
    const seen = new Set<string>();
    for (const b of branches) {
      if (b.type === 'union') throw new AvroSchemaError(`Nested union: ${JSON.stringify(json)}`);
      const key = isNamed(b) ? b.name : b.type;
      if (seen.has(key)) throw new AvroSchemaError(`Duplicate in union:${key}`);
      seen.add(key);
    }
    return { type: 'union', branches };
  }

  private fullName(obj: Record<string, unknown>, space: string): { full: string; space: string } {
    const name = obj.name;
    if (typeof name !== 'string') throw new AvroSchemaError(`No name in schema: ${JSON.stringify(obj)}`);
    let full: string;
    if (name.includes('.')) full = name;
    else {
      const ns = typeof obj.namespace === 'string' ? obj.namespace : space;
      full = ns === '' ? name : `${ns}.${name}`;
    }
    const parts = full.split('.');
    parts.forEach(validateName);
    if (PRIMITIVES.has(parts[parts.length - 1]!) && parts.length === 1) throw new AvroSchemaError(`Schemas may not be named after primitives: ${full}`);
    if (this.names.has(full)) throw new AvroSchemaError(`Can't redefine: ${full}`);
    return { full, space: parts.slice(0, -1).join('.') };
  }

  private record(obj: Record<string, unknown>, type: 'record' | 'error', space: string): AvroRecord {
    const { full, space: inner } = this.fullName(obj, space);
    if (!Array.isArray(obj.fields)) throw new AvroSchemaError(`Record has no fields: ${JSON.stringify(obj)}`);
    const record: AvroRecord = { type, name: full, aliases: aliases(obj, inner), doc: doc(obj), fields: [], props: props(obj, RESERVED[type]!) };
    this.names.set(full, record);
    const fieldNames = new Set<string>();
    for (const f of obj.fields as unknown[]) {
      if (typeof f !== 'object' || f === null) throw new AvroSchemaError(`Not a field: ${JSON.stringify(f)}`);
      const fo = f as Record<string, unknown>;
      if (typeof fo.name !== 'string') throw new AvroSchemaError(`No field name: ${JSON.stringify(f)}`);
      validateName(fo.name);
      if (fieldNames.has(fo.name)) throw new AvroSchemaError(`Duplicate field ${fo.name} in record ${full}`);
      fieldNames.add(fo.name);
      if (fo.type === undefined) throw new AvroSchemaError(`No field type: ${JSON.stringify(f)}`);
      const fieldType = this.parse(fo.type, inner);
      const hasDefault = Object.hasOwn(fo, 'default');
      if (hasDefault && !defaultFits(fieldType, fo.default)) {
        throw new AvroSchemaError(`Invalid default for field ${fo.name}: ${JSON.stringify(fo.default)} not a ${printAvroSchema(fieldType)}`);
      }
      record.fields.push({
        name: fo.name,
        type: fieldType,
        hasDefault,
        default: fo.default,
        aliases: Array.isArray(fo.aliases) ? (fo.aliases as string[]) : [],
        doc: doc(fo),
        order: typeof fo.order === 'string' ? fo.order : undefined,
        props: props(fo, RESERVED.field!),
      });
    }
    return record;
  }

  private enum(obj: Record<string, unknown>, space: string): AvroEnum {
    const { full, space: inner } = this.fullName(obj, space);
    if (!Array.isArray(obj.symbols) || !obj.symbols.every((s) => typeof s === 'string')) throw new AvroSchemaError(`Enum symbols must be strings: ${JSON.stringify(obj)}`);
    const symbols = obj.symbols as string[];
    symbols.forEach(validateName);
    if (new Set(symbols).size !== symbols.length) throw new AvroSchemaError(`Duplicate enum symbol in ${full}`);
    if (obj.default !== undefined && !symbols.includes(obj.default as string)) throw new AvroSchemaError(`The Enum Default: ${String(obj.default)} is not in the enum symbol set: ${symbols.join(',')}`);
    const e: AvroEnum = { type: 'enum', name: full, aliases: aliases(obj, inner), doc: doc(obj), symbols, default: obj.default as string | undefined, props: props(obj, RESERVED.enum!) };
    this.names.set(full, e);
    return e;
  }

  private fixed(obj: Record<string, unknown>, space: string): AvroFixed {
    const { full, space: inner } = this.fullName(obj, space);
    if (!Number.isInteger(obj.size) || (obj.size as number) < 0) throw new AvroSchemaError(`Invalid fixed size: ${JSON.stringify(obj)}`);
    const f: AvroFixed = { type: 'fixed', name: full, aliases: aliases(obj, inner), doc: doc(obj), size: obj.size as number, props: props(obj, RESERVED.fixed!) };
    this.names.set(full, f);
    return f;
  }
}

/** Avro's name rule, with its error messages (ksqlDB shows them: "Illegal initial character: 1A"). */
export function validateName(name: string): void {
  if (name.length === 0) throw new AvroSchemaError('Empty name');
  if (!/^[A-Za-z_]/.test(name)) throw new AvroSchemaError(`Illegal initial character: ${name}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AvroSchemaError(`Illegal character in: ${name}`);
}

function props(obj: Record<string, unknown>, reserved: readonly string[]): AvroProps {
  const out: AvroProps = {};
  for (const [k, v] of Object.entries(obj)) if (!reserved.includes(k)) out[k] = v;
  return out;
}

function aliases(obj: Record<string, unknown>, space: string): string[] {
  if (!Array.isArray(obj.aliases)) return [];
  return (obj.aliases as string[]).map((a) => (a.includes('.') || space === '' ? a : `${space}.${a}`));
}

function doc(obj: Record<string, unknown>): string | undefined {
  return typeof obj.doc === 'string' ? obj.doc : undefined;
}

export function isNamed(schema: AvroSchema): schema is AvroNamed {
  return schema.type === 'record' || schema.type === 'error' || schema.type === 'enum' || schema.type === 'fixed';
}

/** The name without its namespace. */
export function shortName(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? fullName : fullName.slice(dot + 1);
}

export function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

/** Whether a JSON default is a value of the schema (a union's default is of its first branch). */
export function defaultFits(schema: AvroSchema, value: unknown, seen = new Set<AvroSchema>()): boolean {
  switch (schema.type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'int':
      return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647;
    case 'long':
      return Number.isInteger(value);
    case 'float':
    case 'double':
      return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
    case 'bytes':
    case 'string':
      return typeof value === 'string';
    case 'fixed':
      return typeof value === 'string' && value.length === schema.size;
    case 'enum':
      return typeof value === 'string' && schema.symbols.includes(value);
    case 'array':
      return Array.isArray(value) && value.every((v) => defaultFits(schema.items, v, seen));
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => defaultFits(schema.values, v, seen));
    case 'union':
      return schema.branches.length > 0 && defaultFits(schema.branches[0]!, value, seen);
    case 'record':
    case 'error': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      if (seen.has(schema)) return true;
      seen.add(schema);
      const obj = value as Record<string, unknown>;
      return schema.fields.every((f) => (Object.hasOwn(obj, f.name) ? defaultFits(f.type, obj[f.name], seen) : f.hasDefault));
    }
  }
}

/**
 * Canonical JSON text of a schema (Avro's Schema.toString). Names in `predefined` (types from
 * referenced schemas) are written as references, not definitions.
 */
export function printAvroSchema(schema: AvroSchema, predefined: ReadonlySet<string> = new Set()): string {
  return JSON.stringify(toJson(schema, '', new Set(predefined)));
}

function toJson(schema: AvroSchema, space: string, defined: Set<string>): unknown {
  switch (schema.type) {
    case 'union':
      return schema.branches.map((b) => toJson(b, space, defined));
    case 'array':
      return withProps({ type: 'array', items: toJson(schema.items, space, defined) }, schema.props);
    case 'map':
      return withProps({ type: 'map', values: toJson(schema.values, space, defined) }, schema.props);
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      const ns = namespaceOf(schema.name);
      if (defined.has(schema.name)) return ns === space ? shortName(schema.name) : schema.name;
      defined.add(schema.name);
      const out: Record<string, unknown> = { type: schema.type, name: shortName(schema.name) };
      if (ns !== space) out.namespace = ns;
      if (schema.doc !== undefined) out.doc = schema.doc;
      if (schema.type === 'enum') {
        out.symbols = schema.symbols;
        if (schema.default !== undefined) out.default = schema.default;
      } else if (schema.type === 'fixed') {
        out.size = schema.size;
      } else {
        out.fields = schema.fields.map((f) => {
          const field: Record<string, unknown> = { name: f.name, type: toJson(f.type, ns, defined) };
          if (f.doc !== undefined) field.doc = f.doc;
          if (f.hasDefault) field.default = f.default;
          if (f.order !== undefined && f.order !== 'ascending') field.order = f.order;
          if (f.aliases.length > 0) field.aliases = f.aliases;
          return withProps(field, f.props);
        });
      }
      if (schema.aliases.length > 0) out.aliases = schema.aliases.map((a) => (namespaceOf(a) === ns ? shortName(a) : a));
      return withProps(out, schema.props);
    }
    default:
      return Object.keys(schema.props).length === 0 ? schema.type : withProps({ type: schema.type }, schema.props);
  }
}

function withProps(out: Record<string, unknown>, p: AvroProps): Record<string, unknown> {
  for (const [k, v] of Object.entries(p)) out[k] = v;
  return out;
}

/** A logical type's name when its underlying type carries it (`decimal`, `date`, ...). */
export function logicalType(schema: AvroSchema): string | undefined {
  if (schema.type === 'union' || schema.type === 'record' || schema.type === 'error' || schema.type === 'enum') return undefined;
  const lt = schema.props.logicalType;
  return typeof lt === 'string' ? lt : undefined;
}

/** The branch of `["null", X]` (either order) that is not null; undefined for other schemas. */
export function nullableBranch(schema: AvroSchema): AvroSchema | undefined {
  if (schema.type !== 'union' || schema.branches.length !== 2) return undefined;
  const [a, b] = schema.branches as [AvroSchema, AvroSchema];
  if (a.type === 'null') return b;
  if (b.type === 'null') return a;
  return undefined;
}
