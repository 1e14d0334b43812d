/**
 * JSON functions over STRING columns holding JSON text. Text that is not JSON gives NULL (or
 * false for the predicates), as in ksqlDB.
 */
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, LruCache, param, sig, udf, variadic } from './helpers.js';
import { jsonAsText, JsonNumber, parseJson, sqlValueToJson, stringifyJson, type Json } from './json-text.js';

const JSON_CATEGORY = FunctionCategory.JSON;

type PathStep = { readonly field: string } | { readonly index: number };

/** A JSONPath of fields and indexes: `$.log.cloud`, `$.array[0]`, `$['a b']`. */
function compilePath(path: string): PathStep[] {
  if (!path.startsWith('$')) fail(`Invalid JSON path '${path}': it must start with $.`);
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      if (j === i + 1) fail(`Invalid JSON path '${path}': an empty field name.`);
      steps.push({ field: path.slice(i + 1, j) });
      i = j;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail(`Invalid JSON path '${path}': a [ without ].`);
      const inner = path.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted) steps.push({ field: quoted[2]! });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else fail(`Invalid JSON path '${path}': '${inner}' is neither an index nor a quoted name.`);
      i = close + 1;
    } else {
      fail(`Invalid JSON path '${path}' at '${path.slice(i)}'.`);
    }
  }
  return steps;
}

const paths = new LruCache<PathStep[]>();

function extract(json: string, path: string): string | null {
  let node = parseJson(json);
  if (node === undefined) return null;
  for (const step of paths.get(path, compilePath)) {
    if (node === null || node === undefined) return null;
    if ('field' in step) {
      if (!(node instanceof Map)) return null;
      node = node.get(step.field);
    } else {
      if (!Array.isArray(node) || step.index < 0 || step.index >= node.length) return null;
      node = node[step.index];
    }
  }
  return node === undefined || node === null ? null : jsonAsText(node);
}

function containsValue(json: string | null, matches: (element: Json) => boolean): boolean {
  if (json === null) return false;
  const node = parseJson(json);
  return Array.isArray(node) && node.some(matches);
}

function isInteger(e: Json, value: bigint): boolean {
  return e instanceof JsonNumber && e.isIntegral() && BigInt(e.text) === value;
}

/** PostgreSQL's `||` on JSON, as JSON_CONCAT: objects merge, anything else concatenates as arrays. */
function concat(texts: readonly unknown[]): string | null {
  const values: Json[] = [];
  for (const t of texts) {
    if (t === null || t === undefined) return null;
    const v = parseJson(t as string);
    if (v === undefined) return null;
    values.push(v);
  }
  if (values.every((v) => v instanceof Map)) {
    const out = new Map<string, Json>();
    for (const v of values as Map<string, Json>[]) for (const [k, x] of v) out.set(k, x);
    return stringifyJson(out);
  }
  const out: Json[] = [];
  for (const v of values) {
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return stringifyJson(out);
}

export const jsonFunctions: readonly UdfDefinition[] = [
  udf({ name: 'extractjsonfield', category: JSON_CATEGORY, description: 'The value at a JSONPath in JSON text, as a STRING (a string\'s own text, anything else as JSON); NULL if absent.' }, [
    sig([param('jsonString', P.STRING), param('jsonPath', P.STRING)], P.STRING, (a) =>
      a[0] === null || a[1] === null ? null : extract(a[0] as string, a[1] as string),
    ),
  ]),
  udf({ name: 'is_json_string', category: JSON_CATEGORY, description: 'Whether a string holds valid JSON.' }, [
    sig([param('json', P.STRING)], P.BOOLEAN, (a) => a[0] !== null && parseJson(a[0] as string) !== undefined),
  ]),
  udf({ name: 'json_array_contains', category: JSON_CATEGORY, description: 'Whether a JSON array (top level) contains a value; false if the text is not a JSON array.' }, [
    sig([param('jsonArray', P.STRING), param('val', P.BOOLEAN)], P.BOOLEAN, (a) => containsValue(a[0] as string | null, (e) => e === a[1])),
    sig([param('jsonArray', P.STRING), param('val', P.INTEGER)], P.BOOLEAN, (a) =>
      containsValue(a[0] as string | null, (e) => (a[1] === null ? e === null : isInteger(e, BigInt(a[1] as number)))),
    ),
    sig([param('jsonArray', P.STRING), param('val', P.BIGINT)], P.BOOLEAN, (a) =>
      containsValue(a[0] as string | null, (e) => (a[1] === null ? e === null : isInteger(e, a[1] as bigint))),
    ),
    sig([param('jsonArray', P.STRING), param('val', P.DOUBLE)], P.BOOLEAN, (a) =>
      containsValue(a[0] as string | null, (e) => (a[1] === null ? e === null : e instanceof JsonNumber && !e.isIntegral() && Number(e.text) === a[1])),
    ),
    sig([param('jsonArray', P.STRING), param('val', P.STRING)], P.BOOLEAN, (a) => containsValue(a[0] as string | null, (e) => e === a[1])),
  ]),
  udf({ name: 'json_array_length', category: JSON_CATEGORY, description: 'The length of a top-level JSON array; NULL if the text is not one.' }, [
    sig([param('jsonArray', P.STRING)], P.INTEGER, (a) => {
      const v = a[0] === null ? undefined : parseJson(a[0] as string);
      return Array.isArray(v) ? v.length : null;
    }),
  ]),
  udf({ name: 'json_concat', category: JSON_CATEGORY, description: 'Merges JSON objects (later keys win), or concatenates JSON values as arrays; NULL if any input is NULL or not JSON.' }, [
    sig([param('json1', P.STRING), variadic('jsons', P.STRING)], P.STRING, (a) => concat(a)),
  ]),
  udf({ name: 'json_items', category: JSON_CATEGORY, description: 'The elements of a JSON array, each as JSON text; NULL if the text is not an array.' }, [
    sig([param('jsonArray', P.STRING)], P.array(P.STRING), (a) => {
      const v = a[0] === null ? undefined : parseJson(a[0] as string);
      return Array.isArray(v) ? v.map(stringifyJson) : null;
    }),
  ]),
  udf({ name: 'json_keys', category: JSON_CATEGORY, description: 'The top-level keys of a JSON object; NULL if the text is not an object.' }, [
    sig([param('jsonObject', P.STRING)], P.array(P.STRING), (a) => {
      const v = a[0] === null ? undefined : parseJson(a[0] as string);
      return v instanceof Map ? [...v.keys()] : null;
    }),
  ]),
  udf({ name: 'json_records', category: JSON_CATEGORY, description: 'The top-level entries of a JSON object as a map of key to value text; NULL if the text is not an object.' }, [
    sig([param('jsonObject', P.STRING)], P.map(P.STRING, P.STRING), (a) => {
      const v = a[0] === null ? undefined : parseJson(a[0] as string);
      if (!(v instanceof Map)) return null;
      const out = new Map<string, string>();
      for (const [k, x] of v) out.set(k, jsonAsText(x));
      return out;
    }),
  ]),
  udf({ name: 'to_json_string', category: JSON_CATEGORY, description: 'Any value as JSON text.' }, [
    { params: [param('val', P.T)], returns: P.STRING, bind: (ctx) => (a) => sqlValueToJson(ctx.paramTypes[0]!, a[0]) },
  ]),
];
