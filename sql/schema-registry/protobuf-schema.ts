/**
 * Protobuf schemas (.proto text) parsed into a model the registry checks compatibility on and
 * the PROTOBUF format encodes with. protobufjs does the parsing and type resolution; the model
 * keeps what the wire format and the SQL mapping need, with message and enum types linked (so
 * recursive messages are cycles).
 *
 * Imports resolve against the schema's references (by import name) and the well-known files a
 * registry knows without being told: google/protobuf/*.proto (timestamp, wrappers, ...),
 * google/type/date.proto, google/type/timeofday.proto, confluent/type/decimal.proto and
 * confluent/meta.proto.
 *
 * Maps are `map<K, V>` fields; a repeated field of a nested message named `...Entry` with
 * exactly `key = 1` and `value = 2` is also a map, since that is how Confluent prints maps.
 * Messages are numbered as Confluent's wire format does: a message's index path lists its
 * position among the file's top-level messages, then among each enclosing message's nested
 * messages (enums not counted).
 */
import protobuf from 'protobufjs';

export type ProtoScalar =
  | 'double' | 'float' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'bool' | 'string' | 'bytes';

export const PROTO_SCALARS: ReadonlySet<string> = new Set<ProtoScalar>([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

export type ProtoType =
  | { readonly kind: 'scalar'; readonly scalar: ProtoScalar }
  | { readonly kind: 'enum'; readonly enum: ProtoEnum }
  | { readonly kind: 'message'; readonly message: ProtoMessage }
  | { readonly kind: 'map'; readonly key: ProtoScalar; readonly value: ProtoType };

export interface ProtoField {
  readonly name: string;
  readonly number: number;
  /** `repeated`, proto2's `required`/`optional`, or none (a proto3 singular field). */
  readonly label: 'repeated' | 'required' | 'optional' | 'none';
  /** Whether absence is distinguishable from the default (proto2 optional, proto3 `optional`, messages, oneofs). */
  readonly hasPresence: boolean;
  readonly type: ProtoType;
  /** The (non-synthetic) oneof the field belongs to. */
  readonly oneof?: string;
  /** Packed encoding for repeated scalars (proto3's default). */
  readonly packed: boolean;
  /** `(confluent.field_meta).params`: precision and scale of decimals, among others. */
  readonly params: Readonly<Record<string, string>>;
  /** The type name as written, for diffs. */
  readonly typeName: string;
}

export interface ProtoMessage {
  readonly name: string;
  /** Package-qualified name without a leading dot (`my.pkg.Outer.Inner`). */
  readonly fullName: string;
  readonly package: string;
  readonly fields: ProtoField[];
  readonly nested: ProtoMessage[];
  readonly enums: ProtoEnum[];
  readonly oneofs: { readonly name: string; readonly fields: readonly string[] }[];
  /** Index path for Confluent's wire format. */
  readonly indexes: readonly number[];
  readonly isMapEntry: boolean;
}

export interface ProtoEnum {
  readonly name: string;
  readonly fullName: string;
  readonly values: readonly { readonly name: string; readonly number: number }[];
}

export interface ProtoFile {
  readonly syntax: 'proto2' | 'proto3';
  readonly package: string;
  readonly imports: readonly string[];
  /** The file's own top-level messages, in order (message index order). */
  readonly messages: readonly ProtoMessage[];
  readonly enums: readonly ProtoEnum[];
}

export class ProtobufSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufSchemaError';
  }
}

/** Files a registry resolves without references (beyond protobufjs's google/protobuf ones). */
const KNOWN_FILES: Record<string, string> = {
  'google/type/date.proto': 'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/timeofday.proto': 'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'confluent/type/decimal.proto': 'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  'confluent/meta.proto': 'syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; }',
};

const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: true };

/**
 * Parses .proto text. `references` maps import names to the text of the referenced schemas
 * (Confluent schema references), which are parsed along with it.
 */
export function parseProtobufSchema(text: string, references: ReadonlyMap<string, string> = new Map()): ProtoFile {
  let own: protobuf.IParserResult;
  let root: protobuf.Root;
  try {
    own = protobuf.parse(text, new protobuf.Root(), PARSE_OPTIONS);
    root = new protobuf.Root();
    for (const [name, json] of Object.entries(protobuf.common as unknown as Record<string, { nested?: protobuf.INamespace['nested'] }>)) {
      if (typeof json === 'object' && json.nested && !references.has(name)) root.addJSON(json.nested);
    }
    for (const [name, known] of Object.entries(KNOWN_FILES)) if (!references.has(name)) protobuf.parse(known, root, PARSE_OPTIONS);
    for (const ref of references.values()) protobuf.parse(ref, root, PARSE_OPTIONS);
    protobuf.parse(text, root, PARSE_OPTIONS);
    root.resolveAll();
  } catch (err) {
    throw new ProtobufSchemaError(`Invalid Protobuf schema: ${(err as Error).message}`);
  }
  const pkg = own.package ?? '';
  const ownNamespace = pkg === '' ? own.root : own.root.lookup(pkg);
  const builder = new ModelBuilder(root);
  const messages: ProtoMessage[] = [];
  const enums: ProtoEnum[] = [];
  for (const nested of (ownNamespace as protobuf.Namespace | null)?.nestedArray ?? []) {
    if (nested instanceof protobuf.Type) messages.push(builder.message(root.lookupType(nested.fullName), [messages.length]));
    else if (nested instanceof protobuf.Enum) enums.push(builder.enum(root.lookupEnum(nested.fullName)));
  }
  if (messages.length === 0) throw new ProtobufSchemaError('Invalid Protobuf schema: it defines no message.');
  return { syntax: syntaxOf(text), package: pkg, imports: own.imports ?? [], messages, enums };
}

function syntaxOf(text: string): 'proto2' | 'proto3' {
  const m = /(^|[;\s])syntax\s*=\s*["'](proto[23])["']/.exec(text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''));
  return m?.[2] === 'proto3' ? 'proto3' : 'proto2';
}

class ModelBuilder {
  private readonly messages = new Map<string, ProtoMessage>();
  private readonly enums = new Map<string, ProtoEnum>();

  constructor(private readonly root: protobuf.Root) {}

  message(type: protobuf.Type, indexes: number[]): ProtoMessage {
    const fullName = type.fullName.replace(/^\./, '');
    const existing = this.messages.get(fullName);
    if (existing) return existing;
    const nestedTypes = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    let outer: protobuf.ReflectionObject = type;
    while (outer.parent instanceof protobuf.Type) outer = outer.parent;
    const message: ProtoMessage = {
      name: type.name,
      fullName,
      package: outer.parent ? outer.parent.fullName.replace(/^\./, '') : '',
      fields: [],
      nested: [],
      enums: [],
      oneofs: type.oneofsArray.filter((o) => !isSynthetic(o, type)).map((o) => ({ name: o.name, fields: o.oneof.slice() })),
      indexes,
      isMapEntry: false,
    };
    this.messages.set(fullName, message);
    nestedTypes.forEach((n, i) => message.nested.push(this.message(n, [...indexes, i])));
    for (const n of type.nestedArray) if (n instanceof protobuf.Enum) message.enums.push(this.enum(n));
    const proto3 = (type as unknown as { _edition?: string })._edition !== 'proto2';
    for (const f of type.fieldsArray) message.fields.push(this.field(f, message, proto3));
    return message;
  }

  enum(e: protobuf.Enum): ProtoEnum {
    const fullName = e.fullName.replace(/^\./, '');
    const existing = this.enums.get(fullName);
    if (existing) return existing;
    const model: ProtoEnum = { name: e.name, fullName, values: Object.entries(e.values).map(([name, number]) => ({ name, number })) };
    this.enums.set(fullName, model);
    return model;
  }

  private field(f: protobuf.Field, owner: ProtoMessage, proto3: boolean): ProtoField {
    const params = fieldParams(f);
    const oneof = f.partOf && !isSynthetic(f.partOf, f.parent as protobuf.Type) ? f.partOf.name : undefined;
    const synthetic = f.partOf !== null && f.partOf !== undefined && oneof === undefined;
    if (f instanceof protobuf.MapField) {
      return {
        name: f.name, number: f.id, label: 'repeated', hasPresence: false, oneof: undefined, packed: false, params,
        type: { kind: 'map', key: f.keyType as ProtoScalar, value: this.typeOf(f) },
        typeName: `map<${f.keyType}, ${f.type}>`,
      };
    }
    let type = this.typeOf(f);
    const repeated = f.rule === 'repeated';
    // Confluent prints map fields as `repeated XEntry x = n` with XEntry nested beside them.
    if (repeated && type.kind === 'message' && isEntryLike(type.message, owner)) {
      const [key, value] = type.message.fields as [ProtoField, ProtoField];
      (type.message as { isMapEntry: boolean }).isMapEntry = true;
      if (key.type.kind === 'scalar') type = { kind: 'map', key: key.type.scalar, value: value.type };
    }
    const label = repeated ? 'repeated' : f.rule === 'required' ? 'required' : proto3 && !synthetic ? 'none' : 'optional';
    const packedOption = f.options?.packed;
    const packable = repeated && type.kind !== 'map' && (type.kind === 'enum' || (type.kind === 'scalar' && type.scalar !== 'string' && type.scalar !== 'bytes'));
    return {
      name: f.name,
      number: f.id,
      label,
      hasPresence: !repeated && (type.kind === 'message' || oneof !== undefined || label === 'optional' || label === 'required'),
      type,
      oneof,
      packed: packable && (packedOption === undefined ? proto3 : packedOption === true),
      params,
      typeName: f.type,
    };
  }

  private typeOf(f: protobuf.Field): ProtoType {
    if (PROTO_SCALARS.has(f.type)) return { kind: 'scalar', scalar: f.type as ProtoScalar };
    const resolved = f.resolvedType;
    if (resolved instanceof protobuf.Enum) return { kind: 'enum', enum: this.enum(resolved) };
    if (resolved instanceof protobuf.Type) {
      const fullName = resolved.fullName.replace(/^\./, '');
      return { kind: 'message', message: this.messages.get(fullName) ?? this.message(resolved, outsideIndexes(this.root, resolved)) };
    }
    throw new ProtobufSchemaError(`Invalid Protobuf schema: unresolved type '${f.type}' of field '${f.name}'.`);
  }
}

/** Messages of other files get an index path within their own file (unused for encoding). */
function outsideIndexes(_root: protobuf.Root, type: protobuf.Type): number[] {
  const path: number[] = [];
  let node: protobuf.ReflectionObject | null = type;
  while (node && node.parent) {
    const siblings: protobuf.Type[] = node.parent.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    path.unshift(Math.max(0, siblings.indexOf(node as protobuf.Type)));
    node = node.parent instanceof protobuf.Type ? node.parent : null;
  }
  return path;
}

function isSynthetic(oneof: protobuf.OneOf, type: protobuf.Type): boolean {
  // proto3 `optional` fields sit in a synthetic oneof of their own, named _<field>.
  return oneof.oneof.length === 1 && oneof.name === `_${oneof.oneof[0]}` && type.fields[oneof.oneof[0]!]?.options?.proto3_optional === true;
}

function isEntryLike(message: ProtoMessage, owner: ProtoMessage): boolean {
  if (!message.name.endsWith('Entry') || !owner.nested.includes(message) || message.fields.length !== 2) return false;
  const [key, value] = message.fields as [ProtoField, ProtoField];
  return key.name === 'key' && key.number === 1 && value.name === 'value' && value.number === 2 && key.type.kind === 'scalar';
}

function fieldParams(f: protobuf.Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const option of (f as unknown as { parsedOptions?: Record<string, unknown>[] }).parsedOptions ?? []) {
    const meta = option['(confluent.field_meta)'] as { params?: { key?: unknown; value?: unknown }[] } | undefined;
    for (const p of meta?.params ?? []) if (typeof p.key === 'string') out[p.key] = String(p.value ?? '');
  }
  return out;
}

/** The message with this name: full (`pkg.Msg`, `Outer.Inner`) or simple; the first one when absent. */
export function findMessage(file: ProtoFile, name?: string): ProtoMessage | undefined {
  if (name === undefined || name === '') return file.messages[0];
  const wanted = name.replace(/^\./, '');
  const all: ProtoMessage[] = [];
  const walk = (m: ProtoMessage) => {
    all.push(m);
    m.nested.forEach(walk);
  };
  file.messages.forEach(walk);
  return (
    all.find((m) => m.fullName === wanted) ??
    all.find((m) => (file.package === '' ? m.fullName : m.fullName.slice(file.package.length + 1)) === wanted) ??
    all.find((m) => m.name === wanted)
  );
}

/** The message at a wire-format index path. */
export function messageAt(file: ProtoFile, indexes: readonly number[]): ProtoMessage | undefined {
  let list: readonly ProtoMessage[] = file.messages;
  let found: ProtoMessage | undefined;
  for (const i of indexes) {
    found = list[i];
    if (!found) return undefined;
    list = found.nested;
  }
  return found;
}

/**
 * A normalised text of the file for telling schemas apart (whitespace, comments, declaration
 * order of messages inside a file and type-name spelling do not matter; numbers, names, labels
 * and types do).
 */
export function protobufIdentity(file: ProtoFile): string {
  const seen = new Set<string>();
  const typeText = (t: ProtoType): string =>
    t.kind === 'scalar' ? t.scalar : t.kind === 'enum' ? `.${t.enum.fullName}` : t.kind === 'message' ? `.${t.message.fullName}` : `map<${t.key},${typeText(t.value)}>`;
  const message = (m: ProtoMessage): string => {
    if (seen.has(m.fullName)) return '';
    seen.add(m.fullName);
    const fields = m.fields.map((f) => `${f.label} ${typeText(f.type)} ${f.name}=${f.number}${f.oneof ? ` oneof ${f.oneof}` : ''}${paramsText(f.params)}`);
    const enums = m.enums.map(enumText);
    return `message ${m.fullName}{${[...fields, ...enums, ...m.nested.map(message)].join(';')}}`;
  };
  const enumText = (e: ProtoEnum) => `enum ${e.fullName}{${e.values.map((v) => `${v.name}=${v.number}`).join(';')}}`;
  return `${file.syntax};${file.package};${file.messages.map(message).join('')}${file.enums.map(enumText).join('')}`;
}

function paramsText(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).sort();
  return keys.length === 0 ? '' : `[${keys.map((k) => `${k}:${params[k]}`).join(',')}]`;
}
