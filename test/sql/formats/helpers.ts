import { Decimal } from 'decimal.js';

/**
 * Values comparable with toEqual: decimal.js values become their digits (whatever decimal.js
 * constructor made them), so a DECIMAL read back equals the one written.
 */
export function plain(value: unknown): unknown {
  if (Decimal.isDecimal(value)) return `decimal:${(value as Decimal).toFixed()}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [plain(k), plain(v)]));
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

export const hex = (b: Buffer | null): string | null => b?.toString('hex') ?? null;

/** Bytes from hex with spaces for readability: '00 00 00 00 01'. */
export const fromHex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
