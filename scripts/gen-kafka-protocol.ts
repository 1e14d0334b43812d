/**
 * Writes `server/kafka/protocol/messages.generated.ts` from Apache Kafka's machine-readable
 * message definitions (the `*Request.json` / `*Response.json` files of Kafka's
 * clients/src/main/resources/common/message, kept beside the repository in
 * `../shared/kafka-protocol`). The output is data: one field tree per API, request and response,
 * plus the header definitions and TypeScript interfaces for the decoded bodies. The codec in
 * `server/kafka/protocol/codec.ts` derives every encoder and decoder from that table, so a new
 * API or version is a regeneration, not new code.
 *
 *   npx tsx scripts/gen-kafka-protocol.ts [spec-dir]
 *
 * The checked-in output is what builds and tests use; the spec folder is only needed to
 * regenerate it.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FieldSpec } from '../server/kafka/protocol/schema.js';
import { inVersions, parseVersions } from '../server/kafka/protocol/schema.js';

/** A field as Kafka's JSON writes it (only the attributes the codec needs are listed). */
interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  mapKey?: boolean;
  fields?: JsonField[];
}

interface JsonMessage {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  fields: JsonField[];
  commonStructs?: { name: string; versions: string; fields: JsonField[] }[];
}

const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records',
]);
const INTEGERS = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32']);

/** Kafka's JSON allows `//` comments; strip them outside string literals. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
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

/** Kafka's FieldSpec.camelCaseName: lower-case the first letter. */
function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Kafka accepts decimal, hex (`0x`) and octal (leading `0`) integer defaults. */
function parseIntegerDefault(text: string, where: string): bigint {
  const s = text.trim();
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  let value: bigint;
  if (/^0x[0-9a-f]+$/i.test(body)) value = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) value = BigInt(`0o${body.slice(1)}`);
  else if (/^\d+$/.test(body)) value = BigInt(body);
  else throw new Error(`${where}: integer default '${text}' is not a number`);
  return neg ? -value : value;
}

function normaliseDefault(f: JsonField, where: string): FieldSpec['default'] {
  if (f.default === undefined) return undefined;
  const raw = f.default;
  const text = String(raw);
  if (INTEGERS.has(f.type)) return Number(parseIntegerDefault(text, where));
  if (f.type === 'int64') return parseIntegerDefault(text, where);
  if (f.type === 'float64') return Number(text);
  if (f.type === 'bool') {
    if (text !== 'true' && text !== 'false') throw new Error(`${where}: bool default '${text}'`);
    return text === 'true';
  }
  if (f.type === 'string') {
    if (text === 'null') {
      if (!f.nullableVersions) throw new Error(`${where}: default null on a field that is never nullable`);
      return null;
    }
    return text;
  }
  throw new Error(`${where}: Kafka allows custom defaults only on integers, floats, booleans and strings, not ${f.type}`);
}

function resolveFields(
  fields: readonly JsonField[],
  common: ReadonlyMap<string, JsonField[]>,
  flexible: string,
  where: string,
): FieldSpec[] {
  const flex = parseVersions(flexible);
  const seen = new Set<string>();
  return fields.map((f) => {
    const path = `${where}.${f.name}`;
    const name = camelCase(f.name);
    if (seen.has(name)) throw new Error(`${path}: duplicate field name ${name}`);
    seen.add(name);
    const isArray = f.type.startsWith('[]');
    const element = isArray ? f.type.slice(2) : f.type;
    const out: { -readonly [K in keyof FieldSpec]: FieldSpec[K] } = { name, type: f.type, versions: f.versions };
    parseVersions(f.versions);
    if (f.nullableVersions !== undefined) {
      parseVersions(f.nullableVersions);
      out.nullableVersions = f.nullableVersions;
    }
    if (f.taggedVersions !== undefined) {
      const tagged = parseVersions(f.taggedVersions);
      if (f.tag === undefined) throw new Error(`${path}: taggedVersions without a tag`);
      if (tagged.min <= tagged.max && !(inVersions(flex, tagged.min) && flex.max >= tagged.max)) {
        throw new Error(`${path}: tagged in ${f.taggedVersions}, outside the flexible versions ${flexible}`);
      }
      out.taggedVersions = f.taggedVersions;
      out.tag = f.tag;
    }
    if (f.flexibleVersions !== undefined) {
      parseVersions(f.flexibleVersions);
      out.flexibleVersions = f.flexibleVersions;
    }
    const def = normaliseDefault(f, path);
    if (def !== undefined) out.default = def;
    if (f.ignorable) out.ignorable = true;
    if (f.mapKey) out.mapKey = true;
    if (!PRIMITIVES.has(element)) {
      const children = f.fields ?? common.get(element);
      if (!children) throw new Error(`${path}: struct type ${element} has no fields and no commonStruct`);
      if (!isArray && f.nullableVersions && f.taggedVersions === undefined) {
        // Kafka writes a nullable struct behind an int8 presence marker; no API served here has one.
        throw new Error(`${path}: nullable struct fields are not supported by the codec`);
      }
      out.fields = resolveFields(children, common, flexible, path);
    } else if (f.fields) {
      throw new Error(`${path}: primitive type ${f.type} with child fields`);
    }
    return out;
  });
}

function readSpec(dir: string, file: string): JsonMessage {
  return JSON.parse(stripJsonComments(readFileSync(join(dir, file), 'utf8'))) as JsonMessage;
}

function commonStructs(m: JsonMessage): Map<string, JsonField[]> {
  return new Map((m.commonStructs ?? []).map((s) => [s.name, s.fields]));
}

// ---- emitting ----

function literal(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return String(value);
}

function emitFields(fields: readonly FieldSpec[], indent: string): string {
  const lines = fields.map((f) => {
    const parts: string[] = [`name: ${literal(f.name)}`, `type: ${literal(f.type)}`, `versions: ${literal(f.versions)}`];
    if (f.nullableVersions !== undefined) parts.push(`nullableVersions: ${literal(f.nullableVersions)}`);
    if (f.taggedVersions !== undefined) parts.push(`taggedVersions: ${literal(f.taggedVersions)}`, `tag: ${f.tag}`);
    if (f.flexibleVersions !== undefined) parts.push(`flexibleVersions: ${literal(f.flexibleVersions)}`);
    if (f.default !== undefined) parts.push(`default: ${literal(f.default)}`);
    if (f.ignorable) parts.push('ignorable: true');
    if (f.mapKey) parts.push('mapKey: true');
    if (!f.fields) return `${indent}{ ${parts.join(', ')} },`;
    return `${indent}{ ${parts.join(', ')}, fields: [\n${emitFields(f.fields, indent + '  ')}\n${indent}] },`;
  });
  return lines.join('\n');
}

const TS_TYPES: Record<string, string> = {
  bool: 'boolean', int8: 'number', int16: 'number', uint16: 'number', int32: 'number', uint32: 'number',
  int64: 'bigint', float64: 'number', string: 'string', uuid: 'string', bytes: 'Buffer', records: 'Buffer',
};

function emitInterfaceBody(fields: readonly FieldSpec[], indent: string): string {
  return fields
    .map((f) => {
      const isArray = f.type.startsWith('[]');
      const element = isArray ? f.type.slice(2) : f.type;
      let ts = f.fields ? `{\n${emitInterfaceBody(f.fields, indent + '  ')}\n${indent}}` : TS_TYPES[element]!;
      if (isArray) ts = f.fields ? `Array<${ts}>` : `${ts}[]`;
      const nullable = (f.nullableVersions !== undefined && f.nullableVersions !== 'none') || f.type === 'records';
      return `${indent}${f.name}: ${ts}${nullable ? ' | null' : ''};`;
    })
    .join('\n');
}

export function generate(specDir: string): string {
  const files = readdirSync(specDir).filter((f) => f.endsWith('.json'));
  const requests = new Map<string, JsonMessage>();
  const responses = new Map<string, JsonMessage>();
  let requestHeader: JsonMessage | undefined;
  let responseHeader: JsonMessage | undefined;
  for (const file of files) {
    const m = readSpec(specDir, file);
    if (m.name === 'RequestHeader') requestHeader = m;
    else if (m.name === 'ResponseHeader') responseHeader = m;
    else if (m.type === 'request') requests.set(m.name.replace(/Request$/, ''), m);
    else if (m.type === 'response') responses.set(m.name.replace(/Response$/, ''), m);
  }
  if (!requestHeader || !responseHeader) throw new Error(`${specDir}: RequestHeader.json and ResponseHeader.json are required`);

  const apis = [...requests.entries()]
    .map(([name, req]) => {
      const res = responses.get(name);
      if (!res) throw new Error(`${name}: a request without a response definition`);
      if (req.apiKey !== res.apiKey || req.validVersions !== res.validVersions || req.flexibleVersions !== res.flexibleVersions) {
        throw new Error(`${name}: request and response disagree on apiKey, validVersions or flexibleVersions`);
      }
      return {
        name,
        req,
        request: resolveFields(req.fields, commonStructs(req), req.flexibleVersions, `${name}Request`),
        response: resolveFields(res.fields, commonStructs(res), res.flexibleVersions, `${name}Response`),
      };
    })
    .sort((a, b) => a.req.apiKey! - b.req.apiKey!);
  for (const name of responses.keys()) if (!requests.has(name)) throw new Error(`${name}: a response without a request definition`);

  const header = (m: JsonMessage, exportName: string): string =>
    `export const ${exportName}: HeaderSpec = {\n  name: ${literal(m.name)}, validVersions: ${literal(m.validVersions)}, flexibleVersions: ${literal(m.flexibleVersions)},\n  fields: [\n${emitFields(resolveFields(m.fields, commonStructs(m), m.flexibleVersions, m.name), '    ')}\n  ],\n};\n`;

  const out: string[] = [];
  out.push(
    `// Generated by scripts/gen-kafka-protocol.ts from Apache Kafka's message definitions; do not edit. Regenerate with \`npx tsx scripts/gen-kafka-protocol.ts\`.`,
    `// Source: apache/kafka clients/src/main/resources/common/message/*.json (Apache License 2.0). Field names are camelCase;`,
    `// types and version ranges keep Kafka's spelling. See schema.ts for the meaning of each attribute.`,
    `import type { ApiSpec, HeaderSpec } from './schema.js';`,
    '',
    header(requestHeader, 'REQUEST_HEADER_SPEC'),
    header(responseHeader, 'RESPONSE_HEADER_SPEC'),
    'export const API_SPECS: readonly ApiSpec[] = [',
  );
  for (const api of apis) {
    const r = api.req;
    const meta = [`apiKey: ${r.apiKey}`, `name: ${literal(api.name)}`, `validVersions: ${literal(r.validVersions)}`, `flexibleVersions: ${literal(r.flexibleVersions)}`];
    if (r.deprecatedVersions) meta.push(`deprecatedVersions: ${literal(r.deprecatedVersions)}`);
    if (r.latestVersionUnstable) meta.push('latestVersionUnstable: true');
    out.push(
      `  {\n    ${meta.join(', ')},`,
      `    request: [\n${emitFields(api.request, '      ')}\n    ],`,
      `    response: [\n${emitFields(api.response, '      ')}\n    ],\n  },`,
    );
  }
  out.push('];', '', '/** API keys by message name. */', 'export const API_KEYS = {');
  for (const api of apis) out.push(`  ${api.name}: ${api.req.apiKey},`);
  out.push('} as const;', '');
  out.push('// Decoded bodies hold every field of every version; fields a version lacks hold their defaults.', '');
  for (const api of apis) {
    out.push(`export interface ${api.name}Request {\n${emitInterfaceBody(api.request, '  ')}\n}\n`);
    out.push(`export interface ${api.name}Response {\n${emitInterfaceBody(api.response, '  ')}\n}\n`);
  }
  out.push('export interface RequestBodies {');
  for (const api of apis) out.push(`  ${api.req.apiKey}: ${api.name}Request;`);
  out.push('}', '', 'export interface ResponseBodies {');
  for (const api of apis) out.push(`  ${api.req.apiKey}: ${api.name}Response;`);
  out.push('}', '');
  return out.join('\n');
}

export const DEFAULT_SPEC_DIR = fileURLToPath(new URL('../../shared/kafka-protocol/', import.meta.url));
export const OUTPUT_FILE = fileURLToPath(new URL('../server/kafka/protocol/messages.generated.ts', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const specDir = process.argv[2] ?? DEFAULT_SPEC_DIR;
  writeFileSync(OUTPUT_FILE, generate(specDir));
  console.log(`Wrote ${OUTPUT_FILE} from ${specDir}`);
}
