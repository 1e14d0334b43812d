/** Conversions from the client API's friendly inputs to bytes. */
import type { RecordHeader } from '../types.js';
import type { Bytes } from './types.js';

export function toBuffer(value: Bytes | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

export function toHeaders(headers: RecordHeader[] | Record<string, Bytes | null>): RecordHeader[] {
  if (Array.isArray(headers)) return headers;
  return Object.entries(headers).map(([key, value]) => ({ key, value: toBuffer(value) }));
}
