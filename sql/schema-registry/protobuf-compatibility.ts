/**
 * Protobuf compatibility as Confluent's schema diff judges it: a change is compatible when old
 * and new readers and writers agree on the wire, matching fields by number.
 *
 *   incompatible: a message removed; a field's kind changed (scalar/enum vs message vs map); a
 *   scalar moved between wire-compatible groups {int32 int64 uint32 uint64 bool enum},
 *   {sint32 sint64}, {fixed32 sfixed32}, {fixed64 sfixed64}, {float}, {double},
 *   {string bytes}; a numeric field's label changed (e.g. singular <-> repeated); a field's
 *   message type renamed or changed incompatibly; proto2 required fields added or removed;
 *   several fields moved into one new oneof, or a field moved into an existing one; a field
 *   removed from a oneof
 *   compatible: fields added or removed, renamed fields, messages added or moved, enum changes,
 *   package changes, oneofs added or removed
 *
 * The rules are the same in both directions except for the required-field and message cases,
 * so BACKWARD compares (old, new) and FORWARD (new, old).
 */
import type { ProtoField, ProtoFile, ProtoMessage, ProtoScalar, ProtoType } from './protobuf-schema.js';

export function protobufIncompatibilities(original: ProtoFile, update: ProtoFile): string[] {
  const out: string[] = [];
  compareMessages(original.messages, update.messages, '#', out, new Set());
  return out;
}

function compareMessages(original: readonly ProtoMessage[], update: readonly ProtoMessage[], path: string, out: string[], seen: Set<string>): void {
  const byName = new Map(update.map((m) => [m.name, m]));
  for (const m of original) {
    const u = byName.get(m.name);
    if (u === undefined) {
      if (!m.isMapEntry) out.push(`MESSAGE_REMOVED at ${path}/${m.name}`);
      continue;
    }
    compareMessage(m, u, `${path}/${m.name}`, out, seen);
  }
}

function compareMessage(original: ProtoMessage, update: ProtoMessage, path: string, out: string[], seen: Set<string>): void {
  const key = `${original.fullName}\u0000${update.fullName}`;
  if (seen.has(key)) return;
  seen.add(key);
  const originalByNumber = new Map(original.fields.map((f) => [f.number, f]));
  const updateByNumber = new Map(update.fields.map((f) => [f.number, f]));
  const originalOneofNumbers = new Set(original.fields.filter((f) => f.oneof !== undefined).map((f) => f.number));

  for (const oneof of update.oneofs) {
    const numbers = update.fields.filter((f) => f.oneof === oneof.name).map((f) => f.number);
    const moved = numbers.filter((n) => originalByNumber.has(n) && originalByNumber.get(n)!.oneof === undefined).length;
    const existing = numbers.filter((n) => originalOneofNumbers.has(n)).length;
    if (moved > 1) out.push(`MULTIPLE_FIELDS_MOVED_TO_ONEOF at ${path}/${oneof.name}`);
    else if (moved === 1 && existing > 0) out.push(`FIELD_MOVED_TO_EXISTING_ONEOF at ${path}/${oneof.name}`);
  }
  for (const oneof of original.oneofs) {
    const after = update.oneofs.find((o) => o.name === oneof.name);
    if (!after) continue;
    const kept = new Set(update.fields.filter((f) => f.oneof === oneof.name).map((f) => f.number));
    for (const f of original.fields) {
      if (f.oneof === oneof.name && !kept.has(f.number)) out.push(`ONEOF_FIELD_REMOVED at ${path}/${oneof.name}/${f.number}`);
    }
  }

  for (const number of new Set([...originalByNumber.keys(), ...updateByNumber.keys()])) {
    const a = originalByNumber.get(number);
    const b = updateByNumber.get(number);
    const at = `${path}/${number}`;
    if (b === undefined) {
      if (a!.label === 'required') out.push(`REQUIRED_FIELD_REMOVED at ${at}`);
    } else if (a === undefined) {
      if (b.label === 'required') out.push(`REQUIRED_FIELD_ADDED at ${at}`);
    } else {
      compareField(a, b, at, out, seen);
    }
  }
  compareMessages(original.nested, update.nested, path, out, seen);
}

type Kind = 'scalar' | 'message' | 'map';

function kind(t: ProtoType): Kind {
  return t.kind === 'enum' ? 'scalar' : t.kind;
}

function compareField(a: ProtoField, b: ProtoField, path: string, out: string[], seen: Set<string>): void {
  compareTypes(a.type, b.type, a.label, b.label, path, out, seen);
}

function compareTypes(a: ProtoType, b: ProtoType, aLabel: string | null, bLabel: string | null, path: string, out: string[], seen: Set<string>): void {
  if (kind(a) !== kind(b)) {
    out.push(`FIELD_KIND_CHANGED at ${path}`);
    return;
  }
  if (a.kind === 'map' && b.kind === 'map') {
    compareTypes({ kind: 'scalar', scalar: a.key }, { kind: 'scalar', scalar: b.key }, null, null, path, out, seen);
    compareTypes(a.value, b.value, null, null, path, out, seen);
    return;
  }
  if (a.kind === 'message' && b.kind === 'message') {
    if (localName(a.message) !== localName(b.message)) {
      out.push(`FIELD_NAMED_TYPE_CHANGED at ${path}`);
      return;
    }
    const sub: string[] = [];
    compareMessage(a.message, b.message, path, sub, seen);
    if (sub.length > 0) out.push(...sub, `FIELD_NAMED_TYPE_CHANGED at ${path}`);
    return;
  }
  const ka = scalarKind(a);
  const kb = scalarKind(b);
  if (ka !== kb) {
    out.push(`FIELD_SCALAR_KIND_CHANGED at ${path}`);
    return;
  }
  // proto3 singular fields have no label, so only changes between explicit labels count.
  if (aLabel !== null && bLabel !== null && aLabel !== 'none' && bLabel !== 'none' && aLabel !== bLabel && ka !== 'STRING_OR_BYTES') {
    out.push(`FIELD_NUMERIC_LABEL_CHANGED at ${path}`);
  }
}

function localName(m: ProtoMessage): string {
  // Package changes are compatible, so types compare by their name inside the package.
  return m.package === '' ? m.fullName : m.fullName.slice(m.package.length + 1);
}

function scalarKind(t: ProtoType): string {
  if (t.kind === 'enum') return 'GENERAL_NUMBER';
  const scalar = (t as { scalar: ProtoScalar }).scalar;
  switch (scalar) {
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
    case 'bool':
      return 'GENERAL_NUMBER';
    case 'sint32':
    case 'sint64':
      return 'SIGNED_NUMBER';
    case 'string':
    case 'bytes':
      return 'STRING_OR_BYTES';
    case 'fixed32':
    case 'sfixed32':
      return 'FIXED32';
    case 'fixed64':
    case 'sfixed64':
      return 'FIXED64';
    default:
      return scalar.toUpperCase();
  }
}
