/**
 * Values as text, the way ksqlDB (that is, Java's String.valueOf) prints them where a value
 * becomes a string: CAST(x AS STRING), ARRAY_JOIN, TO_JSON_STRING's scalars, error messages.
 *
 *   DOUBLE     Java's Double.toString: `1.0`, `0.1`, `1.0E10`, `1.23E-5`, `NaN`, `Infinity`
 *   DECIMAL    BigDecimal.toString at the type's scale (`1.50`; `1.0E-7` below 10^-6);
 *              CAST uses the plain form instead (`0.00000010`)
 *   DATE/TIME/TIMESTAMP   ISO forms (see temporal.ts)
 *   BYTES      base64, as ksqlDB's JSON and REST show them
 *   ARRAY      `[1, 2, null]`, MAP `{a=1, b=2}`, STRUCT `Struct{A=1,B=x}` (null fields left out),
 *              as Java's List, Map and Kafka Connect's Struct print themselves
 */
import type { Decimal } from 'decimal.js';
import { decimalToJavaString, decimalToPlainString } from './decimal.js';
import type { SqlStruct, SqlType } from './sql-type.js';
import { formatDate, formatTime, formatTimestamp } from './temporal.js';

/** Java's Double.toString: plain between 10^-3 and 10^7, otherwise computerized scientific notation. */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    // JavaScript's shortest round-trip digits are Java's; JavaScript prints this range plainly.
    const text = String(d);
    return text.includes('.') ? text : `${text}.0`;
  }
  let [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  // Java writes at least two significant digits here, the pair nearest the value: 4.9E-324, not 5.0E-324.
  if (!mantissa.includes('.')) [mantissa, exponent] = d.toExponential(1).split('e') as [string, string];
  const m = mantissa;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** String.valueOf of a value of the given type; `null` for NULL. */
export function formatValue(type: SqlType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'BOOLEAN':
    case 'INTEGER':
    case 'BIGINT':
    case 'STRING':
      return String(value);
    case 'DOUBLE':
      return formatDouble(value as number);
    case 'DECIMAL':
      return decimalToJavaString(value as Decimal, type.scale);
    case 'BYTES':
      return (value as Buffer).toString('base64');
    case 'DATE':
      return formatDate(value as number);
    case 'TIME':
      return formatTime(value as number);
    case 'TIMESTAMP':
      return formatTimestamp(value as number);
    case 'ARRAY':
      return `[${(value as unknown[]).map((e) => formatValue(type.element, e)).join(', ')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, v] of value as Map<unknown, unknown>) parts.push(`${formatValue(type.key, k)}=${formatValue(type.value, v)}`);
      return `{${parts.join(', ')}}`;
    }
    case 'STRUCT': {
      const struct = value as SqlStruct;
      const parts: string[] = [];
      for (const f of type.fields) {
        const v = struct[f.name];
        if (v !== null && v !== undefined) parts.push(`${f.name}=${formatValue(f.type, v)}`);
      }
      return `Struct{${parts.join(',')}}`;
    }
    default:
      return String(value);
  }
}

/**
 * CAST(value AS STRING): String.valueOf, except that a top-level DECIMAL is written without an
 * exponent (BigDecimal.toPlainString). NULL stays NULL.
 */
export function castToString(type: SqlType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (type.kind === 'DECIMAL') return decimalToPlainString(value as Decimal, type.scale);
  return formatValue(type, value);
}
