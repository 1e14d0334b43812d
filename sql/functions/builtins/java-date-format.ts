/**
 * Java's DateTimeFormatter patterns (`yyyy-MM-dd'T'HH:mm:ss.SSSXXX`), which ksqlDB's date/time
 * functions take: a compiler to a formatter and a parser over our values, in English.
 *
 * Letters: G era; u/y/Y (proleptic, of-era, week-based) year; Q/q quarter; M/L month; w/W week
 * of year/month; d day of month; D day of year; F aligned day of week in month; E/e/c day of
 * week; a AM/PM; H/k/K/h hours; m; s; S fraction; A milli of day; n/N nanos; VV zone ID; z zone
 * name; O localized offset; X/x/Z offsets. 'text' is literal ('' a quote); [ ] is optional.
 * Week fields follow the US convention (weeks start on Sunday; the week holding January 1st is
 * week 1), Java's default in an English locale.
 *
 * Parsing is case-insensitive and resolves as Java's SMART resolver with ksqlDB's defaults: a
 * missing year is 1970, month and day 1, time 00:00; a day past the month's end (June 31st)
 * becomes its last day; 24 from `k` is midnight.
 */
import { civilFromDays, daysFromCivil, daysInMonth, MS_PER_DAY } from '../../types/temporal.js';
import { fail, LruCache } from './helpers.js';
import { fixedZone, localToUtc, resolveZone, zoneForName, type Zone } from './time-zones.js';

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number }
  | { readonly kind: 'optional'; readonly tokens: readonly Token[] };

const MAX_COUNT: Record<string, number> = {
  G: 5, u: 19, y: 19, Y: 19, Q: 5, q: 5, M: 5, L: 5, w: 2, W: 1, d: 2, D: 3, F: 1, E: 5, e: 5, c: 5,
  a: 1, B: 5, h: 2, K: 2, k: 2, H: 2, m: 2, s: 2, S: 9, A: 19, n: 19, N: 19, V: 2, v: 4, z: 4, O: 4, X: 5, x: 5, Z: 5,
};

function tokenize(pattern: string): Token[] {
  const stack: Token[][] = [[]];
  const push = (t: Token): void => {
    stack[stack.length - 1]!.push(t);
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const count = j - i;
      const max = MAX_COUNT[c];
      if (max === undefined) fail(`Unknown pattern letter: ${c}`);
      if (count > max || (c === 'V' && count !== 2) || (c === 'O' && count !== 1 && count !== 4)) fail(`Too many pattern letters: ${c}`);
      push({ kind: 'field', letter: c, count });
      i = j;
    } else if (c === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) fail(`Pattern ends with an incomplete string literal: ${pattern}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j++];
      }
      push({ kind: 'literal', text: j === i + 1 ? "'" : text });
      i = j + 1;
    } else if (c === '[') {
      stack.push([]);
      i++;
    } else if (c === ']') {
      if (stack.length === 1) fail(`Pattern invalid as it contains ] without previous [: ${pattern}`);
      const tokens = stack.pop()!;
      push({ kind: 'optional', tokens });
      i++;
    } else if (c === '{' || c === '}' || c === '#') {
      fail(`Pattern includes reserved character: '${c}'`);
    } else {
      push({ kind: 'literal', text: c });
      i++;
    }
  }
  while (stack.length > 1) {
    const tokens = stack.pop()!;
    push({ kind: 'optional', tokens });
  }
  return stack[0]!;
}

// ---- formatting ---------------------------------------------------------------------------------

/** A value to format: what is present depends on the type (DATE has no time, TIME no date). */
export interface DateTimeValue {
  readonly hasDate: boolean;
  readonly hasTime: boolean;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** ms of the day. */
  readonly time: number;
  readonly days: number;
  /** Present with a zone: the instant, its zone and offset. */
  readonly zone?: Zone;
  readonly utcMs?: number;
  readonly offset?: number;
}

export function dateValue(days: number): DateTimeValue {
  const { year, month, day } = civilFromDays(days);
  return { hasDate: true, hasTime: false, year, month, day, days, time: 0 };
}

export function timeValue(ms: number): DateTimeValue {
  return { hasDate: false, hasTime: true, year: 1970, month: 1, day: 1, days: 0, time: ms };
}

export function zonedValue(utcMs: number, zone: Zone): DateTimeValue {
  const offset = zone.offsetAt(utcMs);
  const local = utcMs + offset * 1000;
  const days = Math.floor(local / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  return { hasDate: true, hasTime: true, year, month, day, days, time: local - days * MS_PER_DAY, zone, utcMs, offset };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTERS = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];
const FIELD_NAMES: Record<string, string> = {
  G: 'Era', u: 'Year', y: 'YearOfEra', Y: 'WeekBasedYear', Q: 'QuarterOfYear', q: 'QuarterOfYear', M: 'MonthOfYear', L: 'MonthOfYear',
  w: 'WeekOfWeekBasedYear', W: 'WeekOfMonth', d: 'DayOfMonth', D: 'DayOfYear', F: 'AlignedDayOfWeekInMonth', E: 'DayOfWeek', e: 'DayOfWeek', c: 'DayOfWeek',
  a: 'AmPmOfDay', B: 'DayPeriod', h: 'ClockHourOfAmPm', K: 'HourOfAmPm', k: 'ClockHourOfDay', H: 'HourOfDay', m: 'MinuteOfHour', s: 'SecondOfMinute',
  S: 'NanoOfSecond', A: 'MilliOfDay', n: 'NanoOfSecond', N: 'NanoOfDay',
};

/** 1 = Monday ... 7 = Sunday. */
function isoDayOfWeek(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** The US (Sunday-first) day-of-week number: Sunday 1 ... Saturday 7. */
function usDayOfWeek(days: number): number {
  return (isoDayOfWeek(days) % 7) + 1;
}

/** US week of the week-based year and that year: week 1 holds January 1st. */
function usWeek(days: number, year: number): [week: number, weekYear: number] {
  const endOfWeek = days + (7 - usDayOfWeek(days));
  if (civilFromDays(endOfWeek).year > year) return [1, year + 1];
  const jan1 = daysFromCivil(year, 1, 1);
  return [Math.floor((days - jan1 + usDayOfWeek(jan1) - 1) / 7) + 1, year];
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

/** A year as Java prints it for `count` letters: `yy` is two digits, 4+ add `+` past their width. */
function formatYear(year: number, count: number): string {
  if (count === 2) return pad(((year % 100) + 100) % 100, 2);
  const digits = pad(year, count);
  return count >= 4 && year > 0 && String(year).length > count ? `+${digits}` : digits;
}

function formatOffset(offset: number, letter: string, count: number): string {
  if (letter === 'O' || (letter === 'Z' && count === 4)) {
    if (offset === 0) return 'GMT';
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const h = Math.floor(abs / 3600);
    const m = Math.floor(abs / 60) % 60;
    if (letter === 'O' && count === 1) return `GMT${sign}${h}${m ? `:${pad(m, 2)}` : ''}`;
    return `GMT${sign}${pad(h, 2)}:${pad(m, 2)}`;
  }
  const useZ = letter === 'X' || (letter === 'Z' && count === 5);
  if (offset === 0 && useZ) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  const c = letter === 'Z' ? (count <= 3 ? 2 : 5) : count;
  switch (c) {
    case 1:
      return mm === '00' ? `${sign}${hh}` : `${sign}${hh}${mm}`;
    case 2:
      return `${sign}${hh}${mm}`;
    case 3:
      return `${sign}${hh}:${mm}`;
    case 4:
      return `${sign}${hh}${mm}${ss === '00' ? '' : ss}`;
    default:
      return `${sign}${hh}:${mm}${ss === '00' ? '' : `:${ss}`}`;
  }
}

function formatField(letter: string, count: number, v: DateTimeValue): string {
  const dateLetters = 'GuyYQqMLwWdDFEec';
  const timeLetters = 'aBhKkHmsSAnN';
  if (dateLetters.includes(letter) && !v.hasDate) fail(`Unsupported field: ${FIELD_NAMES[letter]}`);
  if (timeLetters.includes(letter) && !v.hasTime) fail(`Unsupported field: ${FIELD_NAMES[letter]}`);
  if ('VvzOXxZ'.includes(letter) && (v.zone === undefined || v.offset === undefined || v.utcMs === undefined)) {
    fail(`Unable to extract ZoneId from temporal: the value has no time zone for pattern letter ${letter}`);
  }
  const hour = Math.floor(v.time / 3_600_000);
  const text = (full: string): string => (count === 4 ? full : count === 5 ? full[0]! : full.slice(0, 3));
  switch (letter) {
    case 'G':
      return count === 4 ? (v.year > 0 ? 'Anno Domini' : 'Before Christ') : count === 5 ? (v.year > 0 ? 'A' : 'B') : v.year > 0 ? 'AD' : 'BC';
    case 'u':
      return formatYear(v.year, count);
    case 'y':
      return formatYear(v.year > 0 ? v.year : 1 - v.year, count);
    case 'Y':
      return formatYear(usWeek(v.days, v.year)[1], count);
    case 'Q':
    case 'q': {
      const q = Math.floor((v.month - 1) / 3) + 1;
      return count <= 2 ? pad(q, count) : count === 3 ? `Q${q}` : count === 4 ? QUARTERS[q - 1]! : String(q);
    }
    case 'M':
    case 'L':
      return count <= 2 ? pad(v.month, count) : text(MONTHS[v.month - 1]!);
    case 'w':
      return pad(usWeek(v.days, v.year)[0], count);
    case 'W': {
      const first = daysFromCivil(v.year, v.month, 1);
      return String(Math.floor((v.day - 1 + usDayOfWeek(first) - 1) / 7) + 1);
    }
    case 'd':
      return pad(v.day, count);
    case 'D':
      return pad(v.days - daysFromCivil(v.year, 1, 1) + 1, count);
    case 'F':
      return String(((v.day - 1) % 7) + 1);
    case 'E':
      return text(DAYS[isoDayOfWeek(v.days) - 1]!);
    case 'e':
    case 'c':
      return count <= 2 ? pad(usDayOfWeek(v.days), count) : text(DAYS[isoDayOfWeek(v.days) - 1]!);
    case 'a':
      return hour < 12 ? 'AM' : 'PM';
    case 'B':
      return hour < 12 ? 'in the morning' : hour < 18 ? 'in the afternoon' : hour < 21 ? 'in the evening' : 'at night';
    case 'h':
      return pad(hour % 12 === 0 ? 12 : hour % 12, count);
    case 'K':
      return pad(hour % 12, count);
    case 'k':
      return pad(hour === 0 ? 24 : hour, count);
    case 'H':
      return pad(hour, count);
    case 'm':
      return pad(Math.floor(v.time / 60_000) % 60, count);
    case 's':
      return pad(Math.floor(v.time / 1000) % 60, count);
    case 'S':
      return pad(v.time % 1000, 3).padEnd(9, '0').slice(0, count);
    case 'A':
      return pad(v.time, count);
    case 'n':
      return pad((v.time % 1000) * 1_000_000, count);
    case 'N':
      return pad(v.time * 1_000_000, count);
    case 'V':
      return v.zone!.id;
    case 'v':
    case 'z':
      return v.zone!.nameAt(v.utcMs!, count === 4);
    default:
      return formatOffset(v.offset!, letter, count);
  }
}

function formatTokens(tokens: readonly Token[], v: DateTimeValue): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'literal') out += t.text;
    else if (t.kind === 'field') out += formatField(t.letter, t.count, v);
    else {
      // An optional section prints when its fields are available, as Java's does.
      try {
        out += formatTokens(t.tokens, v);
      } catch {
        // Left out.
      }
    }
  }
  return out;
}

// ---- parsing ------------------------------------------------------------------------------------

type Fields = Map<string, number | Zone>;

class ParseError extends Error {}

interface NumberSpec {
  readonly min: number;
  readonly max: number;
}

function numberSpec(letter: string, count: number): NumberSpec | undefined {
  if ('uyY'.includes(letter)) return count === 2 ? { min: 2, max: 2 } : { min: count, max: 19 };
  if (letter === 'S') return { min: count, max: count };
  if ('MLQqEec'.includes(letter) && count >= 3) return undefined;
  if ('MLQqwWdDFeckKhHmsAnN'.includes(letter)) return count === 1 ? { min: 1, max: 19 } : { min: count, max: count };
  return undefined;
}

/** Digits the fixed-width numeric fields right after token `i` need (Java's adjacent value parsing). */
function reservedAfter(tokens: readonly Token[], i: number): number {
  let reserved = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== 'field') break;
    const spec = numberSpec(t.letter, t.count);
    if (spec === undefined || spec.min !== spec.max) break;
    reserved += spec.min;
  }
  return reserved;
}

function matchText(text: string, pos: number, options: readonly string[]): [index: number, length: number] | undefined {
  let best: [number, number] | undefined;
  const lower = text.toLowerCase();
  options.forEach((o, i) => {
    if (lower.startsWith(o.toLowerCase(), pos) && (best === undefined || o.length > best[1])) best = [i, o.length];
  });
  return best;
}

function parseOffsetText(text: string, pos: number, letter: string, count: number): [offset: number, end: number] {
  const rest = text.slice(pos);
  if ((letter === 'X' || (letter === 'Z' && count === 5)) && /^z/i.test(rest)) return [0, pos + 1];
  if (letter === 'O' || (letter === 'Z' && count === 4)) {
    if (!/^gmt/i.test(rest)) throw new ParseError();
    const m = /^([+-])(\d{1,2})(?::(\d{2}))?/.exec(rest.slice(3));
    if (!m) return [0, pos + 3];
    const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60;
    return [m[1] === '-' ? -seconds : seconds, pos + 3 + m[0].length];
  }
  const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(rest);
  if (!m) throw new ParseError();
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return [m[1] === '-' ? -seconds : seconds, pos + m[0].length];
}

function parseTokens(tokens: readonly Token[], text: string, start: number, fields: Fields): number {
  let pos = start;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'literal') {
      if (text.slice(pos, pos + t.text.length).toLowerCase() !== t.text.toLowerCase()) throw new ParseError();
      pos += t.text.length;
      continue;
    }
    if (t.kind === 'optional') {
      const snapshot = new Map(fields);
      try {
        pos = parseTokens(t.tokens, text, pos, fields);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        fields.clear();
        for (const [k, v] of snapshot) fields.set(k, v);
      }
      continue;
    }
    const { letter, count } = t;
    const spec = numberSpec(letter, count);
    if (spec !== undefined) {
      let sign = 1;
      if ((letter === 'u' || letter === 'y' || letter === 'Y') && count !== 2 && (text[pos] === '-' || text[pos] === '+')) {
        sign = text[pos] === '-' ? -1 : 1;
        pos++;
      }
      let available = 0;
      while (pos + available < text.length && /\d/.test(text[pos + available]!)) available++;
      const take = Math.min(spec.max, Math.max(spec.min, available - reservedAfter(tokens, i)));
      if (available < take || take < spec.min) throw new ParseError();
      const digits = text.slice(pos, pos + take);
      pos += take;
      let value = Number(digits) * sign;
      if (letter === 'S') value = Number(digits.padEnd(9, '0').slice(0, 3));
      if ((letter === 'y' || letter === 'u' || letter === 'Y') && count === 2) value = 2000 + value;
      fields.set(letter === 'L' ? 'M' : letter === 'q' ? 'Q' : letter === 'c' ? 'e' : letter, value);
      continue;
    }
    switch (letter) {
      case 'M':
      case 'L': {
        const names = count === 4 ? MONTHS : count === 3 ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS.map((m) => m[0]!);
        const found = matchText(text, pos, names);
        if (!found) throw new ParseError();
        fields.set('M', found[0] + 1);
        pos += found[1];
        break;
      }
      case 'E':
      case 'e':
      case 'c': {
        const found = matchText(text, pos, count === 4 ? DAYS : DAYS.map((d) => d.slice(0, 3)));
        if (!found) throw new ParseError();
        fields.set('E', found[0] + 1);
        pos += found[1];
        break;
      }
      case 'Q':
      case 'q': {
        const found = matchText(text, pos, count === 4 ? QUARTERS : ['Q1', 'Q2', 'Q3', 'Q4']);
        if (!found) throw new ParseError();
        fields.set('Q', found[0] + 1);
        pos += found[1];
        break;
      }
      case 'a': {
        const found = matchText(text, pos, ['AM', 'PM']);
        if (!found) throw new ParseError();
        fields.set('a', found[0]);
        pos += found[1];
        break;
      }
      case 'G': {
        const found = matchText(text, pos, count === 4 ? ['Before Christ', 'Anno Domini'] : ['BC', 'AD']);
        if (!found) throw new ParseError();
        fields.set('G', found[0]);
        pos += found[1];
        break;
      }
      case 'V':
      case 'z':
      case 'v': {
        const m = /^[A-Za-z][A-Za-z0-9_/+-]*/.exec(text.slice(pos));
        const zone = m ? zoneForName(m[0]) : undefined;
        if (!m || zone === undefined) throw new ParseError();
        fields.set('zone', zone);
        pos += m[0].length;
        break;
      }
      case 'X':
      case 'x':
      case 'Z':
      case 'O': {
        const [offset, end] = parseOffsetText(text, pos, letter, count);
        fields.set('zone', fixedZone(offset));
        pos = end;
        break;
      }
      default:
        fail(`Parsing with pattern letter ${letter} is not supported.`);
    }
  }
  return pos;
}

/** Local date and time (and zone, if parsed) from parsed fields, with ksqlDB's defaults. */
interface ResolvedDateTime {
  readonly days: number;
  readonly time: number;
  readonly zone?: Zone;
}

function num(fields: Fields, key: string): number | undefined {
  const v = fields.get(key);
  return typeof v === 'number' ? v : undefined;
}

function resolve(fields: Fields, text: string): ResolvedDateTime {
  const bad = (what: string): never => fail(`Text '${text}' could not be parsed: ${what}`);
  let year = num(fields, 'u');
  if (year === undefined) {
    const yoe = num(fields, 'y');
    if (yoe !== undefined) year = num(fields, 'G') === 0 ? 1 - yoe : yoe;
  }
  year ??= 1970;
  let days: number;
  const dayOfYear = num(fields, 'D');
  if (dayOfYear !== undefined && num(fields, 'M') === undefined && num(fields, 'd') === undefined) {
    if (dayOfYear < 1 || dayOfYear > (daysInMonth(year, 2) === 29 ? 366 : 365)) bad(`Invalid value for DayOfYear: ${dayOfYear}`);
    days = daysFromCivil(year, 1, 1) + dayOfYear - 1;
  } else {
    const month = num(fields, 'M') ?? 1;
    let day = num(fields, 'd') ?? 1;
    if (month < 1 || month > 12) bad(`Invalid value for MonthOfYear (valid values 1 - 12): ${month}`);
    if (day < 1 || day > 31) bad(`Invalid value for DayOfMonth (valid values 1 - 28/31): ${day}`);
    day = Math.min(day, daysInMonth(year, month));
    days = daysFromCivil(year, month, day);
  }
  const dow = num(fields, 'E');
  if (dow !== undefined && fields.has('d') && isoDayOfWeek(days) !== dow) bad('Conflict found: the day of the week does not match the date');
  let hour = num(fields, 'H');
  const k = num(fields, 'k');
  if (hour === undefined && k !== undefined) hour = k === 24 ? 0 : k;
  const ampm = num(fields, 'a');
  const h12 = num(fields, 'h') ?? num(fields, 'K');
  if (hour === undefined && h12 !== undefined) hour = (h12 % 12) + (ampm === 1 ? 12 : 0);
  hour ??= 0;
  const minute = num(fields, 'm') ?? 0;
  const second = num(fields, 's') ?? 0;
  if (hour > 23) bad(`Invalid value for HourOfDay (valid values 0 - 23): ${hour}`);
  if (minute > 59) bad(`Invalid value for MinuteOfHour (valid values 0 - 59): ${minute}`);
  if (second > 59) bad(`Invalid value for SecondOfMinute (valid values 0 - 59): ${second}`);
  const time = ((hour * 60 + minute) * 60 + second) * 1000 + (num(fields, 'S') ?? 0);
  const zone = fields.get('zone');
  return { days, time, zone: typeof zone === 'object' ? zone : undefined };
}

/** A compiled pattern. */
export class JavaDateFormat {
  private constructor(
    readonly pattern: string,
    private readonly tokens: readonly Token[],
  ) {}

  private static readonly cache = new LruCache<JavaDateFormat>();

  static of(pattern: string): JavaDateFormat {
    return JavaDateFormat.cache.get(pattern, (p) => new JavaDateFormat(p, tokenize(p)));
  }

  format(value: DateTimeValue): string {
    return formatTokens(this.tokens, value);
  }

  private parse(text: string): ResolvedDateTime {
    const fields: Fields = new Map();
    let end: number;
    try {
      end = parseTokens(this.tokens, text, 0, fields);
    } catch (e) {
      if (e instanceof ParseError) return fail(`Text '${text}' could not be parsed with pattern '${this.pattern}'`);
      throw e;
    }
    if (end !== text.length) fail(`Text '${text}' could not be parsed, unparsed text found at index ${end}`);
    return resolve(fields, text);
  }

  /** ms since the epoch; a parsed zone or offset wins over `zone`. */
  parseTimestamp(text: string, zone: Zone): number {
    const r = this.parse(text);
    return localToUtc(r.days * MS_PER_DAY + r.time, r.zone ?? zone);
  }

  /** Days since the epoch. */
  parseDate(text: string): number {
    return this.parse(text).days;
  }

  /** ms of the day. */
  parseTime(text: string): number {
    return this.parse(text).time;
  }
}

export function formatTimestampWith(pattern: string, utcMs: number, zoneId: string): string {
  return JavaDateFormat.of(pattern).format(zonedValue(utcMs, resolveZone(zoneId)));
}
