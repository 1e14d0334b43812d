/**
 * Text <-> bytes conversions shared by ENCODE, TO_BYTES, FROM_BYTES and the *_FROM_BYTES
 * functions, with Java's behaviour: US-ASCII writes `?` for what it cannot encode and reads
 * U+FFFD for bytes above 0x7F; base64 is the standard alphabet with optional padding.
 */
import { fail } from './helpers.js';

export type Encoding = 'hex' | 'utf8' | 'ascii' | 'base64';

export function encodingOf(name: string): Encoding {
  const n = name.toLowerCase();
  if (n === 'hex' || n === 'utf8' || n === 'ascii' || n === 'base64') return n;
  return fail(`Supported input and output encodings are: hex, utf8, ascii and base64; not '${name}'.`);
}

/**
 * Hex digits, optionally written as `0x...` or `X'...'` (ksqlDB's ENCODE accepts both).
 */
export function decodeHex(text: string, allowPrefixes: boolean): Buffer {
  let digits = text;
  let zeroX = false;
  if (allowPrefixes) {
    if (text.startsWith('0x') || text.startsWith('0X')) {
      digits = text.slice(2);
      zeroX = true;
    } else if (/^[xX]'/.test(text)) {
      if (text.length < 3 || !text.endsWith("'")) fail(`'${text}' is not valid hex: the X'...' form needs its closing quote.`);
      digits = text.slice(2, -1);
    }
  }
  if (!/^[0-9a-fA-F]*$/.test(digits)) fail(`'${text}' is not valid hex.`);
  if (digits.length % 2 === 1) {
    // ksqlDB reads 0x-prefixed hex as a number (a leading zero is implied) but wants bare and
    // X'...' hex to pair up.
    if (!zeroX) fail(`'${text}' is not valid hex: an odd number of digits.`);
    digits = `0${digits}`;
  }
  return Buffer.from(digits, 'hex');
}

export function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) fail(`'${text}' is not valid base64.`);
  return Buffer.from(text, 'base64');
}

/** Java's String.getBytes(US_ASCII): one `?` per character outside ASCII. */
export function encodeAscii(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out.push(c < 0x80 ? c : 0x3f);
  }
  return Buffer.from(out);
}

/** Java's new String(bytes, US_ASCII): U+FFFD for every byte above 0x7F. */
export function decodeAscii(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  return out;
}

export function toBytes(text: string, encoding: Encoding, hexPrefixes = false): Buffer {
  switch (encoding) {
    case 'hex':
      return decodeHex(text, hexPrefixes);
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'ascii':
      return encodeAscii(text);
    case 'base64':
      return decodeBase64(text);
  }
}

export function fromBytes(bytes: Buffer, encoding: Encoding, upperHex = false): string {
  switch (encoding) {
    case 'hex': {
      const hex = bytes.toString('hex');
      return upperHex ? hex.toUpperCase() : hex;
    }
    case 'utf8':
      return bytes.toString('utf8');
    case 'ascii':
      return decodeAscii(bytes);
    case 'base64':
      return bytes.toString('base64');
  }
}
