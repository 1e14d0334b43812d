/**
 * Date and time functions. Patterns are Java DateTimeFormatter patterns (java-date-format.ts);
 * time zones are Java zone IDs (time-zones.ts); without a zone argument, times are UTC. An
 * invalid pattern, zone or text makes the call fail, which yields NULL (ksqlDB logs it).
 */
import { MS_PER_DAY } from '../../types/temporal.js';
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { param, sig, strictSig, udf } from './helpers.js';
import { dateValue, JavaDateFormat, timeValue, zonedValue } from './java-date-format.js';
import { resolveZone, UTC } from './time-zones.js';

const TIME = FunctionCategory.DATE_TIME;

const UNIT_MS: Record<string, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: MS_PER_DAY,
};

function unitMs(unit: string): number {
  const ms = UNIT_MS[unit];
  if (ms === undefined) throw new Error(`Unknown time unit '${unit}'`);
  return ms;
}

function interval(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function zoneArg(id: unknown) {
  return id === undefined ? UTC : resolveZone(id as string);
}

function formatTimestamp(ms: number, pattern: string, zoneId?: unknown): string {
  return JavaDateFormat.of(pattern).format(zonedValue(ms, zoneArg(zoneId)));
}

function parseTimestamp(text: string, pattern: string, zoneId?: unknown): number {
  return JavaDateFormat.of(pattern).parseTimestamp(text, zoneArg(zoneId));
}

/** Adds an interval: `sign` 1 for the *ADD functions, -1 for *SUB. */
function shift(kind: 'DATE' | 'TIME' | 'TIMESTAMP', sign: 1 | -1) {
  return (a: unknown[]): number => {
    const ms = sign * interval(a[1]) * unitMs(a[0] as string);
    const value = a[2] as number;
    switch (kind) {
      case 'DATE':
        // TimeUnit.toDays truncates: 25 HOURS is one day.
        return value + Math.trunc(ms / MS_PER_DAY);
      case 'TIME':
        return (((value + ms) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
      default:
        return value + ms;
    }
  };
}

function shiftFunction(name: string, kind: 'DATE' | 'TIME' | 'TIMESTAMP', sign: 1 | -1, description: string): UdfDefinition {
  const type = kind === 'DATE' ? P.DATE : kind === 'TIME' ? P.TIME : P.TIMESTAMP;
  const params = (n: typeof P.INTEGER) => [param('unit', P.INTERVAL_UNIT), param('interval', n), param(kind.toLowerCase(), type)];
  return udf({ name, category: TIME, description }, [strictSig(params(P.INTEGER), type, shift(kind, sign)), strictSig(params(P.BIGINT), type, shift(kind, sign))]);
}

export const datetimeFunctions: readonly UdfDefinition[] = [
  udf({ name: 'convert_tz', category: TIME, description: 'Shifts a TIMESTAMP from one time zone\'s wall clock to another\'s.' }, [
    strictSig([param('timestamp', P.TIMESTAMP), param('fromTimeZone', P.STRING), param('toTimeZone', P.STRING)], P.TIMESTAMP, (a) => {
      const ts = a[0] as number;
      return ts + (resolveZone(a[2] as string).offsetAt(ts) - resolveZone(a[1] as string).offsetAt(ts)) * 1000;
    }),
  ]),
  shiftFunction('dateadd', 'DATE', 1, 'Adds an interval (whole days of it) to a DATE.'),
  shiftFunction('datesub', 'DATE', -1, 'Subtracts an interval (whole days of it) from a DATE.'),
  udf({ name: 'datetostring', category: TIME, description: 'Formats days since the epoch with a DateTimeFormatter pattern (use FORMAT_DATE).' }, [
    strictSig([param('epochDays', P.INTEGER), param('formatPattern', P.STRING)], P.STRING, (a) => JavaDateFormat.of(a[1] as string).format(dateValue(a[0] as number))),
  ]),
  udf({ name: 'format_date', category: TIME, description: 'Formats a DATE with a DateTimeFormatter pattern.' }, [
    strictSig([param('date', P.DATE), param('formatPattern', P.STRING)], P.STRING, (a) => JavaDateFormat.of(a[1] as string).format(dateValue(a[0] as number))),
  ]),
  udf({ name: 'format_time', category: TIME, description: 'Formats a TIME with a DateTimeFormatter pattern.' }, [
    strictSig([param('time', P.TIME), param('formatPattern', P.STRING)], P.STRING, (a) => JavaDateFormat.of(a[1] as string).format(timeValue(a[0] as number))),
  ]),
  udf({ name: 'format_timestamp', category: TIME, description: 'Formats a TIMESTAMP with a DateTimeFormatter pattern, in UTC or a given time zone.' }, [
    strictSig([param('timestamp', P.TIMESTAMP), param('formatPattern', P.STRING)], P.STRING, (a) => formatTimestamp(a[0] as number, a[1] as string)),
    strictSig([param('timestamp', P.TIMESTAMP), param('formatPattern', P.STRING), param('timeZone', P.STRING)], P.STRING, (a) => formatTimestamp(a[0] as number, a[1] as string, a[2])),
  ]),
  udf({ name: 'from_days', category: TIME, description: 'The DATE a number of days after 1970-01-01.' }, [strictSig([param('days', P.INTEGER)], P.DATE, (a) => a[0])]),
  udf({ name: 'from_unixtime', category: TIME, description: 'The TIMESTAMP a number of milliseconds after the epoch.' }, [strictSig([param('epochMilli', P.BIGINT)], P.TIMESTAMP, (a) => Number(a[0] as bigint))]),
  udf({ name: 'parse_date', category: TIME, description: 'Parses a DATE with a DateTimeFormatter pattern.' }, [
    strictSig([param('formattedDate', P.STRING), param('formatPattern', P.STRING)], P.DATE, (a) => JavaDateFormat.of(a[1] as string).parseDate(a[0] as string)),
  ]),
  udf({ name: 'parse_time', category: TIME, description: 'Parses a TIME with a DateTimeFormatter pattern.' }, [
    strictSig([param('formattedTime', P.STRING), param('formatPattern', P.STRING)], P.TIME, (a) => JavaDateFormat.of(a[1] as string).parseTime(a[0] as string)),
  ]),
  udf({ name: 'parse_timestamp', category: TIME, description: 'Parses a TIMESTAMP with a DateTimeFormatter pattern, in UTC, a given time zone, or the zone the text names.' }, [
    strictSig([param('formattedTimestamp', P.STRING), param('formatPattern', P.STRING)], P.TIMESTAMP, (a) => parseTimestamp(a[0] as string, a[1] as string)),
    strictSig([param('formattedTimestamp', P.STRING), param('formatPattern', P.STRING), param('timeZone', P.STRING)], P.TIMESTAMP, (a) =>
      parseTimestamp(a[0] as string, a[1] as string, a[2]),
    ),
  ]),
  udf({ name: 'stringtodate', category: TIME, description: 'Parses a date with a DateTimeFormatter pattern into days since the epoch (use PARSE_DATE).' }, [
    strictSig([param('formattedDate', P.STRING), param('formatPattern', P.STRING)], P.INTEGER, (a) => JavaDateFormat.of(a[1] as string).parseDate(a[0] as string)),
  ]),
  udf({ name: 'stringtotimestamp', category: TIME, description: 'Parses a timestamp with a DateTimeFormatter pattern into milliseconds since the epoch (use PARSE_TIMESTAMP).' }, [
    strictSig([param('formattedTimestamp', P.STRING), param('formatPattern', P.STRING)], P.BIGINT, (a) => BigInt(parseTimestamp(a[0] as string, a[1] as string))),
    strictSig([param('formattedTimestamp', P.STRING), param('formatPattern', P.STRING), param('timeZone', P.STRING)], P.BIGINT, (a) =>
      BigInt(parseTimestamp(a[0] as string, a[1] as string, a[2])),
    ),
  ]),
  shiftFunction('timeadd', 'TIME', 1, 'Adds an interval to a TIME, wrapping around midnight.'),
  shiftFunction('timesub', 'TIME', -1, 'Subtracts an interval from a TIME, wrapping around midnight.'),
  shiftFunction('timestampadd', 'TIMESTAMP', 1, 'Adds an interval to a TIMESTAMP.'),
  shiftFunction('timestampsub', 'TIMESTAMP', -1, 'Subtracts an interval from a TIMESTAMP.'),
  udf({ name: 'timestamptostring', category: TIME, description: 'Formats milliseconds since the epoch with a DateTimeFormatter pattern, in UTC or a time zone (use FORMAT_TIMESTAMP).' }, [
    strictSig([param('epochMilli', P.BIGINT), param('formatPattern', P.STRING)], P.STRING, (a) => formatTimestamp(Number(a[0] as bigint), a[1] as string)),
    strictSig([param('epochMilli', P.BIGINT), param('formatPattern', P.STRING), param('timeZone', P.STRING)], P.STRING, (a) =>
      formatTimestamp(Number(a[0] as bigint), a[1] as string, a[2]),
    ),
  ]),
  udf({ name: 'unix_date', category: TIME, description: 'Days since 1970-01-01 of a DATE, or of today (UTC).' }, [
    sig([], P.INTEGER, () => Math.floor(Date.now() / MS_PER_DAY)),
    strictSig([param('date', P.DATE)], P.INTEGER, (a) => a[0]),
  ]),
  udf({ name: 'unix_timestamp', category: TIME, description: 'Milliseconds since the epoch of a TIMESTAMP, or of now.' }, [
    sig([], P.BIGINT, () => BigInt(Date.now())),
    strictSig([param('timestamp', P.TIMESTAMP)], P.BIGINT, (a) => BigInt(a[0] as number)),
  ]),
];
