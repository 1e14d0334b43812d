/**
 * JSON Schema documents: parsing (the text must be a JSON object or boolean), `$ref` resolution
 * (local `#/...` pointers and schema references by name), and the compatibility rules the
 * registry applies, a subset of Confluent's JSON Schema diff:
 *
 *   covered: type changes (integer -> number widens, number -> integer narrows, anything -> {}
 *            widens), objects (properties added or removed against open, partially open and
 *            closed content models, `required` added or removed with and without defaults,
 *            additionalProperties added, removed, narrowed, extended), arrays (items, minItems,
 *            maxItems), strings (minLength, maxLength, pattern), numbers (minimum, maximum),
 *            enums (extended / narrowed), oneOf/anyOf/allOf (sums extended or narrowed,
 *            products narrowed or extended, singleton unions)
 *   not covered: dependencies, patternProperties beyond a property lookup, tuple items, `not`,
 *            `const`, conditional keywords (if/then/else) -- these never make a change
 *            incompatible here
 *
 * `compare(original, update)` lists what makes data valid under `original` possibly invalid
 * under `update`: BACKWARD compares (old, new), FORWARD (new, old).
 */

export type JsonSchemaNode = boolean | Record<string, unknown>;

export interface JsonSchemaDocument {
  readonly root: JsonSchemaNode;
  /** Follows `$ref`s (repeatedly) to the schema they name. */
  resolve(node: JsonSchemaNode): JsonSchemaNode;
}

export class JsonSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSchemaError';
  }
}

export function parseJsonSchema(text: string, references: ReadonlyMap<string, string> = new Map()): JsonSchemaDocument {
  const root = parseNode(text);
  const refs = new Map<string, JsonSchemaNode>();
  for (const [name, refText] of references) refs.set(name, parseNode(refText));
  const resolve = (node: JsonSchemaNode): JsonSchemaNode => {
    let current = node;
    for (let hops = 0; hops < 64; hops++) {
      if (typeof current !== 'object' || typeof current.$ref !== 'string') return current;
      current = lookupRef(current.$ref, root, refs);
    }
    throw new JsonSchemaError('Circular $ref chain');
  };
  return { root, resolve };
}

function parseNode(text: string): JsonSchemaNode {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new JsonSchemaError(`Invalid JSON: ${(err as Error).message}`);
  }
  if (typeof json === 'boolean') return json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new JsonSchemaError('A JSON schema is an object or a boolean.');
  checkTypes(json as Record<string, unknown>);
  return json as Record<string, unknown>;
}

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

function checkTypes(node: Record<string, unknown>): void {
  const t = node.type;
  const types = Array.isArray(t) ? t : t === undefined ? [] : [t];
  for (const name of types) if (typeof name !== 'string' || !TYPES.has(name)) throw new JsonSchemaError(`Unknown type: ${JSON.stringify(name)}`);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
    if (Array.isArray(value)) value.forEach((v) => isSchemaObject(v) && checkTypes(v));
    else if (isSchemaObject(value)) checkTypes(value);
  }
}

function isSchemaObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lookupRef(ref: string, root: JsonSchemaNode, refs: ReadonlyMap<string, JsonSchemaNode>): JsonSchemaNode {
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  let doc: JsonSchemaNode | undefined = base === '' ? root : refs.get(base);
  if (doc === undefined) throw new JsonSchemaError(`Unresolved $ref: ${ref}`);
  for (const part of pointer.split('/').filter((p) => p !== '')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    const next: unknown = typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
    if (typeof next !== 'boolean' && !isSchemaObject(next)) throw new JsonSchemaError(`Unresolved $ref: ${ref}`);
    doc = next;
  }
  return doc;
}

/** Compact JSON with keys in their written order: what registration compares. */
export function jsonSchemaIdentity(text: string): string {
  return JSON.stringify(JSON.parse(text));
}

type Kind = 'false' | 'empty' | 'combined' | 'enum' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

const COMBINERS = ['oneOf', 'anyOf', 'allOf'] as const;

function kindOf(node: JsonSchemaNode): Kind {
  if (node === false) return 'false';
  if (node === true) return 'empty';
  if (COMBINERS.some((c) => Array.isArray(node[c]))) return 'combined';
  if (Array.isArray(node.enum)) return 'enum';
  const t = node.type;
  if (Array.isArray(t)) return t.length === 1 ? kindOfType(t[0] as string) : 'combined';
  if (typeof t === 'string') return kindOfType(t);
  if (node.properties !== undefined || node.additionalProperties !== undefined || node.required !== undefined) return 'object';
  if (node.items !== undefined) return 'array';
  return 'empty';
}

function kindOfType(t: string): Kind {
  return t === 'integer' ? 'number' : (t as Kind);
}

/** The union members of a combined schema; a `type` array counts as anyOf its types. */
function members(node: Record<string, unknown>): { criterion: string; subs: JsonSchemaNode[] } {
  for (const c of COMBINERS) if (Array.isArray(node[c])) return { criterion: c, subs: node[c] as JsonSchemaNode[] };
  const { type, ...rest } = node;
  return { criterion: 'anyOf', subs: (type as string[]).map((t) => ({ ...rest, type: t })) };
}

export function jsonSchemaIncompatibilities(original: JsonSchemaDocument, update: JsonSchemaDocument): string[] {
  const out: string[] = [];
  new Differ(original, update, out).compare(original.root, update.root, '#');
  return out;
}

class Differ {
  constructor(
    private readonly from: JsonSchemaDocument,
    private readonly to: JsonSchemaDocument,
    private readonly out: string[],
    /** Pairs under comparison, by object identity: recursive `$ref`s would otherwise never end. */
    private readonly inProgress = new Map<object, Set<object>>(),
  ) {}

  /** Whether `update` accepts everything `original` accepts, recording why not. */
  compare(originalNode: JsonSchemaNode | undefined, updateNode: JsonSchemaNode | undefined, path: string): void {
    if (originalNode === undefined || updateNode === undefined) return;
    const original = this.from.resolve(originalNode);
    const update = this.to.resolve(updateNode);
    // Recursive definitions: a pair already under comparison is assumed compatible.
    if (typeof original !== 'object' || typeof update !== 'object') return this.compareResolved(original, update, path);
    const partners = this.inProgress.get(original) ?? new Set<object>();
    if (partners.has(update)) return;
    partners.add(update);
    this.inProgress.set(original, partners);
    try {
      this.compareResolved(original, update, path);
    } finally {
      partners.delete(update);
    }
  }

  private compareResolved(original: JsonSchemaNode, update: JsonSchemaNode, path: string): void {
    const ok = kindOf(original);
    const uk = kindOf(update);
    if (ok !== 'combined' && uk === 'combined') {
      const { criterion, subs } = members(update as Record<string, unknown>);
      if (criterion !== 'allOf' || subs.length === 1) {
        if (subs.some((s) => this.compatible(original, s, path))) return;
      }
    } else if (ok === 'combined' && uk !== 'combined') {
      const { criterion, subs } = members(original as Record<string, unknown>);
      if (subs.length === 1 || criterion === 'allOf') {
        if (subs.some((s) => this.compatible(s, update, path))) return;
      }
    }
    if (ok !== uk) {
      if (ok !== 'false' && uk !== 'empty') this.out.push(`TYPE_CHANGED at ${path}: ${ok} became ${uk}`);
      return;
    }
    const o = original as Record<string, unknown>;
    const u = update as Record<string, unknown>;
    switch (ok) {
      case 'object':
        return this.objects(o, u, path);
      case 'array':
        this.bound(o, u, path, 'minItems', 'MIN_ITEMS', 'up');
        this.bound(o, u, path, 'maxItems', 'MAX_ITEMS', 'down');
        if (isSchemaLike(o.items) && isSchemaLike(u.items)) this.compare(o.items, u.items, `${path}/items`);
        else if (o.items === undefined && isSchemaLike(u.items) && u.items !== true) this.out.push(`ITEMS_NARROWED at ${path}/items`);
        return;
      case 'string':
        this.bound(o, u, path, 'minLength', 'MIN_LENGTH', 'up');
        this.bound(o, u, path, 'maxLength', 'MAX_LENGTH', 'down');
        if (u.pattern !== undefined && u.pattern !== o.pattern) this.out.push(`PATTERN_CHANGED at ${path}/pattern`);
        return;
      case 'number':
        if (u.type === 'integer' && o.type !== 'integer') this.out.push(`TYPE_NARROWED at ${path}: number became integer`);
        this.bound(o, u, path, 'minimum', 'MINIMUM', 'up');
        this.bound(o, u, path, 'maximum', 'MAXIMUM', 'down');
        this.bound(o, u, path, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', 'up');
        this.bound(o, u, path, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', 'down');
        return;
      case 'enum': {
        const values = (u.enum as unknown[]).map((v) => JSON.stringify(v));
        const missing = (o.enum as unknown[]).filter((v) => !values.includes(JSON.stringify(v)));
        if (missing.length > 0) this.out.push(`ENUM_ARRAY_NARROWED at ${path}/enum: ${JSON.stringify(missing)} removed`);
        return;
      }
      case 'combined':
        return this.combined(o, u, path);
      default:
        return;
    }
  }

  private compatible(original: JsonSchemaNode, update: JsonSchemaNode, path: string): boolean {
    const sub: string[] = [];
    new Differ(this.from, this.to, sub, this.inProgress).compare(original, update, path);
    return sub.length === 0;
  }

  private combined(o: Record<string, unknown>, u: Record<string, unknown>, path: string): void {
    const a = members(o);
    const b = members(u);
    if (a.criterion !== b.criterion) {
      this.out.push(`COMBINED_TYPE_CHANGED at ${path}: ${a.criterion} became ${b.criterion}`);
      return;
    }
    if (a.criterion === 'allOf') {
      // Every new conjunct must already hold: a product may lose members, not gain them.
      b.subs.forEach((s, i) => {
        if (!a.subs.some((os) => this.compatible(os, s, `${path}/allOf/${i}`))) this.out.push(`PRODUCT_TYPE_EXTENDED at ${path}/allOf/${i}`);
      });
    } else {
      // Every old alternative must still be accepted: a sum may gain members, not lose them.
      a.subs.forEach((s, i) => {
        if (!b.subs.some((us) => this.compatible(s, us, `${path}/${a.criterion}/${i}`))) this.out.push(`SUM_TYPE_NARROWED at ${path}/${a.criterion}/${i}`);
      });
    }
  }

  private objects(o: Record<string, unknown>, u: Record<string, unknown>, path: string): void {
    const oProps = (o.properties ?? {}) as Record<string, JsonSchemaNode>;
    const uProps = (u.properties ?? {}) as Record<string, JsonSchemaNode>;
    const oRequired = new Set((o.required ?? []) as string[]);
    const uRequired = new Set((u.required ?? []) as string[]);
    for (const name of new Set([...Object.keys(oProps), ...Object.keys(uProps)])) {
      const at = `${path}/properties/${name}`;
      const op = oProps[name];
      const up = uProps[name];
      if (op !== undefined && up !== undefined) {
        if (!oRequired.has(name) && uRequired.has(name) && !hasDefault(up)) this.out.push(`REQUIRED_ATTRIBUTE_ADDED at ${at}`);
        this.compare(op, up, at);
      } else if (up === undefined) {
        // A removed property must still be accepted by what the new schema allows in its place.
        if (isOpen(u)) continue;
        const partial = partialSchema(u, name);
        if (partial !== undefined) {
          if (!this.compatible(op!, partial, at)) this.out.push(`PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL at ${at}`);
        } else if (op !== false) {
          this.out.push(`PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at ${at}`);
        }
      } else {
        // An added property constrains values that old data may already hold under that name.
        if (isOpen(o)) {
          if (!isEmptySchema(up)) this.out.push(`PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at ${at}`);
          continue;
        }
        const partial = partialSchema(o, name);
        if (partial !== undefined && !this.compatible(partial, up, at)) this.out.push(`PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL at ${at}`);
        if (uRequired.has(name) && !hasDefault(up)) this.out.push(`REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL at ${at}`);
      }
    }
    const at = `${path}/additionalProperties`;
    const oPermits = o.additionalProperties !== false;
    const uPermits = u.additionalProperties !== false;
    if (oPermits && !uPermits) this.out.push(`ADDITIONAL_PROPERTIES_REMOVED at ${at}`);
    else if (oPermits && uPermits) {
      const os = isSchemaLike(o.additionalProperties) && o.additionalProperties !== true ? o.additionalProperties : undefined;
      const us = isSchemaLike(u.additionalProperties) && u.additionalProperties !== true ? u.additionalProperties : undefined;
      if (os === undefined && us !== undefined) this.out.push(`ADDITIONAL_PROPERTIES_NARROWED at ${at}`);
      else if (os !== undefined && us !== undefined) this.compare(os, us, at);
    }
  }

  /** A lower bound may only go down and an upper bound only up (or away). */
  private bound(o: Record<string, unknown>, u: Record<string, unknown>, path: string, key: string, name: string, tighter: 'up' | 'down'): void {
    const before = o[key];
    const after = u[key];
    if (typeof after !== 'number') return;
    if (typeof before !== 'number') this.out.push(`${name}_ADDED at ${path}/${key}`);
    else if (tighter === 'up' ? after > before : after < before) this.out.push(`${name}_${tighter === 'up' ? 'INCREASED' : 'DECREASED'} at ${path}/${key}`);
  }
}

function isSchemaLike(v: unknown): v is JsonSchemaNode {
  return typeof v === 'boolean' || isSchemaObject(v);
}

function isOpen(node: Record<string, unknown>): boolean {
  const ap = node.additionalProperties;
  return (ap === undefined || ap === true) && (node.patternProperties === undefined || Object.keys(node.patternProperties as object).length === 0);
}

function partialSchema(node: Record<string, unknown>, property: string): JsonSchemaNode | undefined {
  const patterns = (node.patternProperties ?? {}) as Record<string, JsonSchemaNode>;
  for (const [pattern, schema] of Object.entries(patterns)) if (new RegExp(pattern, 'u').test(property)) return schema;
  const ap = node.additionalProperties;
  return isSchemaObject(ap) ? ap : undefined;
}

function isEmptySchema(node: JsonSchemaNode): boolean {
  return node === true || (typeof node === 'object' && Object.keys(node).length === 0);
}

function hasDefault(node: JsonSchemaNode): boolean {
  return typeof node === 'object' && Object.hasOwn(node, 'default');
}
