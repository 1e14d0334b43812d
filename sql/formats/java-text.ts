/**
 * Numbers as text the way the JVM writes and reads them, since the bytes ksqlDB produces come
 * from Java: Double.toString / Float.toString for DOUBLE values in JSON and DELIMITED text and for
 * numbers coerced to STRING, and Integer/Long/Double.parse* for reading text back.
 */

import { formatDouble } from '../types/format-value.js';

/** Java's Double.toString: the one implementation SQL's text conversions use too (sql/types/format-value.ts). */
export const javaDoubleToString: (d: number) => string = formatDouble;

/** Java's Float.toString of a float32 value: the fewest digits that read back as the same float. */
export function javaFloatToString(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDoubleToString(f);
  let exponential = f.toExponential();
  for (let digits = 0; digits < 9; digits++) {
    const candidate = f.toExponential(digits);
    if (Math.fround(Number(candidate)) === f) {
      exponential = candidate;
      break;
    }
  }
  return javaLayout(Number(exponential), exponential);
}

function javaLayout(d: number, exponential: string): string {
  const [mantissa, exp] = exponential.split('e') as [string, string];
  const exponent = Number(exp);
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const negative = mantissa.startsWith('-');
    const digits = mantissa.replace('-', '').replace('.', '');
    let text: string;
    if (exponent >= 0) {
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
      const fraction = digits.slice(exponent + 1);
      text = `${whole}.${fraction === '' ? '0' : fraction}`;
    } else {
      text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    }
    return negative ? `-${text}` : text;
  }
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent}`;
}

const INT_TEXT = /^[+-]?\d+$/;

/** Integer.parseInt: digits with an optional sign, within 32 bits; anything else is an error. */
export function parseJavaInt(text: string): number {
  if (!INT_TEXT.test(text)) throw new Error(`For input string: "${text}"`);
  const n = Number(text);
  if (n < -2147483648 || n > 2147483647) throw new Error(`For input string: "${text}"`);
  return n;
}

/** Long.parseLong: as parseJavaInt, within 64 bits. */
export function parseJavaLong(text: string): bigint {
  if (!INT_TEXT.test(text)) throw new Error(`For input string: "${text}"`);
  const n = BigInt(text);
  if (n !== BigInt.asIntN(64, n)) throw new Error(`For input string: "${text}"`);
  return n;
}

const DOUBLE_TEXT = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

/** Double.parseDouble: surrounding whitespace allowed, NaN and Infinity spelled out, f/d suffixes. */
export function parseJavaDouble(text: string): number {
  const trimmed = text.trim();
  if (!DOUBLE_TEXT.test(trimmed)) throw new Error(`For input string: "${text}"`);
  if (trimmed.endsWith('NaN')) return NaN;
  if (trimmed.endsWith('Infinity')) return trimmed.startsWith('-') ? -Infinity : Infinity;
  return Number(trimmed.replace(/[fFdD]$/, ''));
}

/** Boolean.parseBoolean: `true` in any case is true, everything else false. */
export function parseJavaBoolean(text: string): boolean {
  return text.toLowerCase() === 'true';
}

const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 (as java.util.Base64 and Jackson write it); rejects text that is not base64. */
export function decodeBase64(text: string): Buffer {
  if (!BASE64_TEXT.test(text) || text.length % 4 === 1) throw new Error(`Value is not a valid Base64 encoded string: ${text}`);
  return Buffer.from(text, 'base64');
}
