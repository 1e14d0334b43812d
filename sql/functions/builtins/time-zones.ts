/**
 * Time zones for the date/time functions, read as Java's ZoneId.of reads them: IANA region IDs
 * (`America/Los_Angeles`, through Node's Intl and its tz database), `UTC`/`GMT`/`Z`, numeric
 * offsets (`+02:00`, `+0200`, `-5`, `GMT+2`), and Java's three-letter short IDs (`PST` is
 * America/Los_Angeles, `EST` a fixed -05:00). Offsets are in seconds east of UTC.
 */
import { parseOffset } from '../../types/temporal.js';
import { fail, LruCache } from './helpers.js';

export interface Zone {
  /** The ID as Java prints it (pattern letter VV). */
  readonly id: string;
  offsetAt(utcMs: number): number;
  /** The zone's name at an instant: `PST`/`PDT` (short) or `Pacific Standard Time` (long). */
  nameAt(utcMs: number, long: boolean): string;
}

/** Java's ZoneId.SHORT_IDS. */
const SHORT_IDS: Record<string, string> = {
  ACT: 'Australia/Darwin',
  AET: 'Australia/Sydney',
  AGT: 'America/Argentina/Buenos_Aires',
  ART: 'Africa/Cairo',
  AST: 'America/Anchorage',
  BET: 'America/Sao_Paulo',
  BST: 'Asia/Dhaka',
  CAT: 'Africa/Harare',
  CNT: 'America/St_Johns',
  CST: 'America/Chicago',
  CTT: 'Asia/Shanghai',
  EAT: 'Africa/Addis_Ababa',
  ECT: 'Europe/Paris',
  IET: 'America/Indiana/Indianapolis',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  MIT: 'Pacific/Apia',
  NET: 'Asia/Yerevan',
  NST: 'Pacific/Auckland',
  PLT: 'Asia/Karachi',
  PNT: 'America/Phoenix',
  PRT: 'America/Puerto_Rico',
  PST: 'America/Los_Angeles',
  SST: 'Pacific/Guadalcanal',
  VST: 'Asia/Ho_Chi_Minh',
  EST: '-05:00',
  MST: '-07:00',
  HST: '-10:00',
};

/**
 * Zone names (as parsed by pattern letter z) to zones: the abbreviations Java's English names
 * use, mapped to the region whose rules apply (PDT parses as Los Angeles time).
 */
const NAME_ABBREVIATIONS: Record<string, string> = {
  UTC: 'UTC',
  UT: 'UTC',
  GMT: 'UTC',
  Z: 'UTC',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MT: 'America/Denver',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  AKST: 'America/Anchorage',
  AKDT: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  BST: 'Europe/London',
  WET: 'Europe/Lisbon',
  WEST: 'Europe/Lisbon',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  EET: 'Europe/Athens',
  EEST: 'Europe/Athens',
  MSK: 'Europe/Moscow',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  ACST: 'Australia/Adelaide',
  ACDT: 'Australia/Adelaide',
  AWST: 'Australia/Perth',
  NZST: 'Pacific/Auckland',
  NZDT: 'Pacific/Auckland',
};

function formatOffsetId(seconds: number): string {
  if (seconds === 0) return 'Z';
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor(abs / 60) % 60).padStart(2, '0');
  const ss = abs % 60;
  return `${sign}${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}

export function fixedZone(offsetSeconds: number, id = formatOffsetId(offsetSeconds)): Zone {
  return { id, offsetAt: () => offsetSeconds, nameAt: () => id };
}

export const UTC: Zone = { id: 'UTC', offsetAt: () => 0, nameAt: (_t, long) => (long ? 'Coordinated Universal Time' : 'UTC') };

/** A region zone on the tz database; offsets are cached per quarter hour (transitions fall on those). */
class RegionZone implements Zone {
  private readonly parts: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly id: string) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(utcMs: number): number {
    const bucket = Math.floor(utcMs / 900_000);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const at = bucket * 900_000;
      const p: Record<string, number> = {};
      for (const part of this.parts.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
      offset = Math.round((local - at) / 1000);
      if (this.offsets.size > 4096) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  private names?: [Intl.DateTimeFormat, Intl.DateTimeFormat];

  nameAt(utcMs: number, long: boolean): string {
    this.names ??= [
      new Intl.DateTimeFormat('en-US', { timeZone: this.id, timeZoneName: 'short' }),
      new Intl.DateTimeFormat('en-US', { timeZone: this.id, timeZoneName: 'long' }),
    ];
    const f = this.names[long ? 1 : 0];
    return f.formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? this.id;
  }
}

const zones = new LruCache<Zone | null>(512);

function lookup(id: string): Zone | null {
  if (id === 'Z' || id === 'UTC' || id === 'GMT' || id === 'UT') return id === 'Z' ? fixedZone(0) : UTC;
  const prefixed = /^(UTC|GMT|UT)([+-].*)$/.exec(id);
  if (prefixed) {
    const offset = parseOffset(prefixed[2]!);
    return offset === undefined ? null : fixedZone(offset, `${prefixed[1]}${formatOffsetId(offset)}`);
  }
  if (/^[+-]/.test(id)) {
    const offset = parseOffset(id);
    return offset === undefined ? null : fixedZone(offset);
  }
  const short = SHORT_IDS[id];
  if (short !== undefined) return lookup(short);
  if (!/^[A-Za-z][A-Za-z0-9_/+-]*$/.test(id)) return null;
  try {
    return new RegionZone(id);
  } catch {
    // Intl rejects IDs its tz database does not know.
    return null;
  }
}

/** The zone an ID names; FunctionInvocationError when it names none. */
export function resolveZone(id: string): Zone {
  const zone = zones.get(id, lookup);
  if (zone === null) return fail(`Unknown time zone: '${id}'`);
  return zone;
}

/** The zone a parsed zone name (pattern letter z) stands for, or undefined. */
export function zoneForName(name: string): Zone | undefined {
  const region = NAME_ABBREVIATIONS[name.toUpperCase()];
  if (region !== undefined) return resolveZone(region);
  const zone = zones.get(name, lookup);
  return zone ?? undefined;
}

/**
 * The instant of a local date-time in a zone, as Java's ZonedDateTime.ofLocal resolves it: in an
 * overlap the earlier offset; in a gap the time moves later by the gap's length.
 */
export function localToUtc(localMs: number, zone: Zone): number {
  const before = zone.offsetAt(localMs - 86_400_000);
  const after = zone.offsetAt(localMs + 86_400_000);
  const valid = [before, after].filter((o) => zone.offsetAt(localMs - o * 1000) === o);
  if (valid.length > 0) return localMs - Math.max(...valid) * 1000;
  const direct = zone.offsetAt(localMs);
  if (zone.offsetAt(localMs - direct * 1000) === direct) return localMs - direct * 1000;
  return localMs - before * 1000;
}
