/**
 * DECIMAL values in and out of bytes and text. A DECIMAL at run time is a decimal.js `Decimal`
 * without a scale of its own (the column type has it), so every write pads or rounds to the
 * type's scale, and every read checks the value fits the type as ksqlDB's DecimalUtil.ensureFit
 * does: more integer digits than the type allows, or digits it would have to round away, are
 * errors rather than silent changes.
 *
 * Binary decimals (Avro's `decimal` logical type, Connect's Decimal, Confluent's protobuf
 * Decimal) are the unscaled value as a big-endian two's-complement integer in the fewest bytes,
 * as java.math.BigInteger.toByteArray writes it:
 *
 *   12.34 at scale 2  ->  unscaled 1234  ->  04 D2
 *   -1 at scale 0     ->  FF
 *   128 at scale 0    ->  00 80   (a leading 00 keeps the sign bit clear)
 */
import { Decimal } from 'decimal.js';

/** decimal.js wide enough for DECIMAL(1000, s) with BigDecimal's HALF_UP rounding, never exponential. */
export const Dec = Decimal.clone({ precision: 2100, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -9e15, toExpPos: 9e15 });

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A run-time DECIMAL from what a row may hold (a Decimal, or a number, bigint or numeric string). */
export function asDecimal(value: unknown): Decimal {
  if (Decimal.isDecimal(value)) return value as Decimal;
  if (typeof value === 'bigint') return new Dec(value.toString());
  if (typeof value === 'number' && Number.isFinite(value)) return new Dec(value);
  if (typeof value === 'string') return parseDecimalText(value);
  throw new Error(`${describe(value)} is not a DECIMAL value`);
}

/** BigDecimal's constructor: sign, digits with an optional point, optional exponent. */
export function parseDecimalText(text: string): Decimal {
  const trimmed = text.trim();
  if (!DECIMAL_TEXT.test(trimmed)) throw new Error(`'${text}' is not a decimal number`);
  return new Dec(trimmed);
}

/**
 * The value at exactly `scale` places, or an error if that loses digits on either side
 * (ksqlDB's DecimalUtil.ensureFit: exact conversions only).
 */
export function fitDecimal(value: Decimal, precision: number, scale: number): Decimal {
  const limit = new Dec(10).pow(precision - scale);
  if (value.abs().gte(limit)) {
    throw new Error(`Cannot fit decimal '${value.toFixed()}' into DECIMAL(${precision}, ${scale}) as it would truncate left digits to ${precision - scale}.`);
  }
  if (value.decimalPlaces() > scale) {
    throw new Error(`Cannot fit decimal '${value.toFixed()}' into DECIMAL(${precision}, ${scale}) without rounding.`);
  }
  return value;
}

/** Plain digits with exactly `scale` places (BigDecimal.toPlainString at that scale). */
export function decimalText(value: Decimal, scale: number): string {
  return new Dec(value).toFixed(Math.max(0, scale));
}

/** The unscaled value in the fewest big-endian two's-complement bytes. */
export function decimalToUnscaledBytes(value: Decimal, scale: number): Buffer {
  const unscaled = BigInt(new Dec(value).times(new Dec(10).pow(scale)).toFixed(0));
  return bigIntToTwosComplement(unscaled);
}

export function unscaledBytesToDecimal(bytes: Buffer, scale: number): Decimal {
  return new Dec(twosComplementToBigInt(bytes).toString()).dividedBy(new Dec(10).pow(scale));
}

export function bigIntToTwosComplement(n: bigint): Buffer {
  // Bytes needed so that the top bit of the first byte is the sign.
  let length = 1;
  while (n < -(1n << BigInt(8 * length - 1)) || n >= 1n << BigInt(8 * length - 1)) length++;
  const out = Buffer.alloc(length);
  let v = BigInt.asUintN(8 * length, n);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function twosComplementToBigInt(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(8 * bytes.length, v);
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
