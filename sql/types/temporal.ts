/**
 * DATE, TIME and TIMESTAMP values (days since the epoch, ms of the day, ms since the epoch, all
 * UTC) and their ISO-8601 text forms, as ksqlDB writes and reads them in CAST, comparisons with
 * strings and JSON: `2021-06-30`, `12:18` / `12:18:39`, `2021-06-30T12:18:39.446`. Reading
 * accepts ksqlDB's partial forms ('2020-05' is the first of May, '2020-05-26T13' is 13:00).
 */
import { SqlValueError } from './errors.js';

export const MS_PER_DAY = 86_400_000;

export interface CivilDate {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  /** 1-31. */
  readonly day: number;
}

// Days <-> proleptic Gregorian civil dates without Date objects, valid for any year
// (H. Hinnant's algorithms).
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** The DATE part of a TIMESTAMP, in UTC. */
export function timestampToDate(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** The TIME part of a TIMESTAMP, in UTC. */
export function timestampToTime(ms: number): number {
  return ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

export function dateToTimestamp(days: number): number {
  return days * MS_PER_DAY;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Java's ISO year: four digits at least, a sign when negative or beyond four digits. */
function isoYear(year: number): string {
  if (Math.abs(year) < 10000) return year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return year < 0 ? String(year) : `+${year}`;
}

/** `2021-06-30` (LocalDate.toString). */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `12:18` or `12:18:39`: whole seconds, and the seconds only when not zero, as ksqlDB prints TIME. */
export function formatTime(ms: number): string {
  const seconds = Math.floor(timestampToTime(ms) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return s === 0 ? `${pad(h, 2)}:${pad(m, 2)}` : `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
}

/** `2021-06-30T12:18:39.446`, always with milliseconds, in UTC. */
export function formatTimestamp(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  const t = ms - days * MS_PER_DAY;
  const yearText = year > 9999 ? `+${year}` : year <= 0 ? pad(1 - year, 4) : pad(year, 4);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}.${pad(t % 1000, 3)}`;
}

/** `HH:mm[:ss[.fraction]]`, strictly two digits each (LocalTime.parse); returns ms of the day. */
export function parseTime(text: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (!m) throw timeError(text);
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || s > 59) throw timeError(text);
  const ms = Math.floor(Number(`0.${m[4] ?? '0'}`) * 1000 + 1e-9);
  return ((h * 60 + min) * 60 + s) * 1000 + ms;
}

function timeError(text: string): SqlValueError {
  return new SqlValueError(
    `Failed to parse time '${text}'. Required format is: "HH:mm:ss.SSS", for example: '01:34:20.123' or '01:34:20'. Partials are also supported, for example '01:34'`,
  );
}

/** Completes '2020' and '2020-05' to a whole date, as ksqlDB does before parsing. */
function completeDate(text: string): string {
  const parts = text.split('-');
  if (parts.length === 1) return `${text}-01-01`;
  if (parts.length === 2) return `${text}-01`;
  return text;
}

/** `yyyy-MM-dd` or a partial of it; returns days since the epoch. */
export function parseDate(text: string): number {
  const days = parseIsoDate(completeDate(text));
  if (days === undefined) {
    throw new SqlValueError(
      `Failed to parse date '${text}'. Required format is: "yyyy-MM-dd", for example '2020-05-26'. Partials are also supported, for example '2020-05'`,
    );
  }
  return days;
}

function parseIsoDate(text: string): number | undefined {
  const m = /^([+-]?\d{4,9})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // More than four year digits need a sign, as ISO_LOCAL_DATE reads them.
  if (m[1]!.replace(/^[+-]/, '').length > 4 && !/^[+-]/.test(m[1]!)) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

const TIME_PATTERN = 'HH:mm:ss.SSS';

/**
 * A timestamp in ksqlDB's literal form: `yyyy-MM-dd'T'HH:mm:ss.SSS`, any trailing part of the
 * time may be left out, with an optional `Z` or numeric offset (`+0200`, `-01:00`). Without an
 * offset the time is UTC. Returns ms since the epoch.
 */
export function parseTimestamp(text: string): number {
  let date: string;
  let time: string;
  let zone = '';
  const t = text.indexOf('T');
  if (t >= 0) {
    date = text.slice(0, t);
    const rest = text.slice(t + 1);
    const sign = rest.search(/[+-]/);
    zone = sign >= 0 ? rest.slice(sign) : '';
    time = (sign >= 0 ? rest.slice(0, sign) : rest).replace(/Z$/, '');
  } else {
    date = completeDate(text);
    time = '';
  }
  if (time.length < TIME_PATTERN.length) time += TIME_PATTERN.slice(time.length).replace(/[a-zA-Z]/g, '0');
  const days = parseIsoDate(date);
  const m = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(time);
  const offset = parseOffset(zone);
  if (days === undefined || !m || offset === undefined || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) {
    throw new SqlValueError(
      `Failed to parse timestamp '${text}'. Required format is: "yyyy-MM-dd'T'HH:mm:ss.SSS", with an optional numeric 4-digit timezone, for example: '2020-05-26T23:59:58.000' or with tz: '2020-05-26T23:59:58.000+0200'. A trailing 'Z' instead of tz indicates the zero UTC offset. Partials are also supported, for example "2020-05-26"`,
    );
  }
  const local = days * MS_PER_DAY + ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  return local - offset * 1000;
}

/** A numeric offset as ZoneId.of reads one: `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`, `+hhmmss`; seconds east. */
export function parseOffset(text: string): number | undefined {
  if (text.trim() === '') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 18 || min > 59 || s > 59) return undefined;
  const seconds = h * 3600 + min * 60 + s;
  if (seconds > 18 * 3600) return undefined;
  return m[1] === '-' ? -seconds : seconds;
}
