/**
 * NULL handling (COALESCE, IFNULL, NULLIF), AS_VALUE, GEO_DISTANCE and the URL functions.
 *
 * URLs are read as java.net.URI reads them (RFC 2396/3986 generic syntax): text that is not a
 * URI gives NULL; components are percent-decoded; the path keeps its leading slash.
 */
import { equalityFor } from '../../types/values.js';
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, param, sameAsFirst, sig, strictSig, udf, variadic } from './helpers.js';

const EARTH_RADIUS_KM = 6371;
const EARTH_RADIUS_MILES = 3959;
/** Math.toRadians as the JVMs ksqlDB's expected results come from compute it (x / 180 * pi). */
const toRadians = (degrees: number): number => (degrees / 180) * Math.PI;

/** Great-circle distance by the haversine formula, as ksqlDB computes it. */
function geoDistance(lat1: number, lon1: number, lat2: number, lon2: number, unit: string | null = null): number {
  let radius = EARTH_RADIUS_KM;
  const u = unit?.trim().toLowerCase() ?? '';
  if (['mi', 'mile', 'miles'].includes(u)) radius = EARTH_RADIUS_MILES;
  else if (u !== '' && !['km', 'kilometer', 'kilometers', 'kilometre', 'kilometres'].includes(u)) {
    fail(`GEO_DISTANCE's unit must be one of mi, mile, miles, km, kilometer, kilometers, kilometre or kilometres (any case), not '${unit}'.`);
  }
  if (lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90) fail('GEO_DISTANCE needs latitudes between -90 and 90 degrees.');
  if (lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180) fail('GEO_DISTANCE needs longitudes between -180 and 180 degrees.');
  const haversin = (x: number): number => Math.pow(Math.sin(x / 2), 2);
  const a = haversin(toRadians(lat2 - lat1)) + haversin(toRadians(lon2 - lon1)) * Math.cos(toRadians(lat1)) * Math.cos(toRadians(lat2));
  // The order of the products matters to the last digit: ksqlDB multiplies the angle by the radius.
  return 2 * Math.asin(Math.sqrt(a)) * radius;
}

// ---- URLs ------------------------------------------------------------------------------------------

interface Uri {
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path: string;
  readonly query?: string;
  readonly fragment?: string;
}

const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

function parseUri(text: string): Uri | null {
  if (!URI_CHARS.test(text) || /%(?![0-9A-Fa-f]{2})/.test(text)) return null;
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(text);
  if (!m) return null;
  let host: string | undefined;
  let port: number | undefined;
  if (m[2] !== undefined) {
    const authority = m[2].slice(m[2].lastIndexOf('@') + 1);
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
    if (!hp) return null;
    host = hp[1] === '' ? undefined : hp[1];
    if (hp[2]) port = Number(hp[2]);
  }
  return { scheme: m[1], host, port, path: m[3]!, query: m[4], fragment: m[5] };
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`Malformed escape in '${text}'`);
  }
}

/** Form decoding (URLDecoder): `+` is a space. */
function formDecode(text: string): string {
  return decodePercent(text.replace(/\+/g, ' '));
}

/** Form encoding (application/x-www-form-urlencoded): space as `+`, letters, digits and `-_.*` kept. */
function formEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[A-Za-z0-9\-_.*]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function urlPart(name: string, description: string, pick: (u: Uri) => string | number | undefined, returnsInteger = false): UdfDefinition {
  return udf({ name, category: FunctionCategory.URL, description }, [
    strictSig([param('input', P.STRING)], returnsInteger ? P.INTEGER : P.STRING, (a) => {
      const uri = parseUri(a[0] as string);
      const part = uri === null ? undefined : pick(uri);
      if (part === undefined) return null;
      return typeof part === 'string' ? decodePercent(part) : part;
    }),
  ]);
}

function extractParameter(url: string, name: string): string | null {
  const uri = parseUri(url);
  if (uri === null || uri.query === undefined) return null;
  for (const pair of decodePercent(uri.query).split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0 && pair === name) return '';
    if (eq >= 0 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return null;
}

export const miscFunctions: readonly UdfDefinition[] = [
  udf({ name: 'as_value', category: FunctionCategory.OTHER, description: 'Its argument, unchanged: copies a key column into the value.' }, [sig([param('value', P.T)], P.T, (a) => a[0])]),
  udf({ name: 'coalesce', category: FunctionCategory.NULL, description: 'The first of its arguments that is not NULL.' }, [
    sig([param('first', P.T), variadic('others', P.T)], P.T, (a) => {
      for (const v of a) if (v !== null && v !== undefined) return v;
      return null;
    }),
  ]),
  udf({ name: 'ifnull', category: FunctionCategory.NULL, description: 'The expression, or the alternative if the expression is NULL.' }, [
    sig([param('expression', P.T), param('altValue', P.T)], P.T, (a) => (a[0] === null || a[0] === undefined ? (a[1] ?? null) : a[0])),
  ]),
  udf({ name: 'nullif', category: FunctionCategory.NULL, description: 'NULL if the two arguments are equal, otherwise the first.' }, [
    {
      params: [param('expression1', P.T), param('expression2', P.T)],
      returns: sameAsFirst,
      bind: (ctx) => {
        const eq = equalityFor(ctx.paramTypes[0]!);
        return (a) => (a[0] === null || a[0] === undefined ? null : eq(a[0], a[1] ?? null) ? null : a[0]);
      },
    },
  ]),
  udf({ name: 'geo_distance', category: FunctionCategory.GEO, description: 'The great-circle distance between two latitude/longitude points in degrees, in KM (default) or MI.' }, [
    strictSig([param('lat1', P.DOUBLE), param('lon1', P.DOUBLE), param('lat2', P.DOUBLE), param('lon2', P.DOUBLE)], P.DOUBLE, (a) =>
      geoDistance(a[0] as number, a[1] as number, a[2] as number, a[3] as number),
    ),
    sig([param('lat1', P.DOUBLE), param('lon1', P.DOUBLE), param('lat2', P.DOUBLE), param('lon2', P.DOUBLE), param('unit', P.STRING)], P.DOUBLE, (a) => {
      if (a.slice(0, 4).some((v) => v === null || v === undefined)) return null;
      return geoDistance(a[0] as number, a[1] as number, a[2] as number, a[3] as number, a[4] as string | null);
    }),
  ]),
  udf({ name: 'url_decode_param', category: FunctionCategory.URL, description: 'Decodes an application/x-www-form-urlencoded value.' }, [
    strictSig([param('input', P.STRING)], P.STRING, (a) => formDecode(a[0] as string)),
  ]),
  udf({ name: 'url_encode_param', category: FunctionCategory.URL, description: 'Encodes a value for a URL query parameter (application/x-www-form-urlencoded).' }, [
    strictSig([param('input', P.STRING)], P.STRING, (a) => formEncode(a[0] as string)),
  ]),
  urlPart('url_extract_fragment', 'The decoded fragment of a URL; NULL if it has none.', (u) => u.fragment),
  urlPart('url_extract_host', 'The host of a URL; NULL if it has none.', (u) => u.host),
  udf({ name: 'url_extract_parameter', category: FunctionCategory.URL, description: 'The decoded value of a query parameter of a URL; NULL if absent.' }, [
    strictSig([param('input', P.STRING), param('paramToFind', P.STRING)], P.STRING, (a) => extractParameter(a[0] as string, a[1] as string)),
  ]),
  urlPart('url_extract_path', 'The decoded path of a URL (empty if it has none).', (u) => u.path),
  urlPart('url_extract_port', 'The explicit port of a URL; NULL if it has none.', (u) => u.port, true),
  urlPart('url_extract_protocol', 'The scheme of a URL; NULL if it has none.', (u) => u.scheme),
  urlPart('url_extract_query', 'The decoded query of a URL; NULL if it has none.', (u) => u.query),
];
