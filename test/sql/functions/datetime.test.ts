import { describe, expect, it } from 'vitest';
import { dateValue, JavaDateFormat, timeValue, zonedValue } from '../../../sql/functions/builtins/java-date-format.js';
import { localToUtc, resolveZone, UTC } from '../../../sql/functions/builtins/time-zones.js';
import { FunctionInvocationError } from '../../../sql/functions/errors.js';
import { daysFromCivil } from '../../../sql/types/temporal.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { evaluate } from './evaluate.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const SCHEMA = { TS: T.TIMESTAMP, DT: T.DATE, TM: T.TIME, MS: T.BIGINT, S: T.STRING, N: T.INTEGER };
const run = (text: string, row: Record<string, unknown> = {}) => evaluate(text, row, SCHEMA);

describe('DateTimeFormatter patterns: formatting', () => {
  const ts = at(2023, 7, 4, 15, 5, 9, 42);
  const fmt = (pattern: string, zone = 'UTC') => JavaDateFormat.of(pattern).format(zonedValue(ts, resolveZone(zone)));

  it('formats numbers with the widths the letters ask for', () => {
    expect(fmt("yyyy-MM-dd'T'HH:mm:ss.SSS")).toBe('2023-07-04T15:05:09.042');
    expect(fmt('y/M/d H:m:s')).toBe('2023/7/4 15:5:9');
    expect(fmt('yy DDD')).toBe('23 185');
    expect(fmt('h:mm a, k K')).toBe('3:05 PM, 15 3');
    expect(fmt('SSSSSS S')).toBe('042000 0');
    expect(fmt('A')).toBe(String(((15 * 60 + 5) * 60 + 9) * 1000 + 42));
  });

  it('formats text fields in English', () => {
    expect(fmt('EEE EEEE MMM MMMM MMMMM')).toBe('Tue Tuesday Jul July J');
    expect(fmt('QQQ QQQQ G GGGG')).toBe('Q3 3rd quarter AD Anno Domini');
    expect(fmt("'quoted ''text''' [d]")).toBe("quoted 'text' 4");
  });

  it('formats US week fields', () => {
    expect(JavaDateFormat.of('w W e Y').format(dateValue(daysFromCivil(2023, 1, 1)))).toBe('1 1 1 2023');
    // Sunday December 31st 2023 starts the week holding January 1st 2024; the day before does not.
    expect(JavaDateFormat.of('w Y').format(dateValue(daysFromCivil(2023, 12, 31)))).toBe('1 2024');
    expect(JavaDateFormat.of('w Y').format(dateValue(daysFromCivil(2023, 12, 30)))).toBe('52 2023');
    expect(JavaDateFormat.of('w').format(dateValue(daysFromCivil(2023, 12, 23)))).toBe('51');
  });

  it('formats offsets and zones', () => {
    expect(fmt('XXX X Z', 'UTC')).toBe('Z Z +0000');
    expect(fmt('XXX xx Z ZZZZ O', 'America/New_York')).toBe('-04:00 -0400 -0400 GMT-04:00 GMT-4');
    expect(fmt('HH:mm z (zzzz) VV', 'America/Los_Angeles')).toBe('08:05 PDT (Pacific Daylight Time) America/Los_Angeles');
    expect(fmt('HH:mm XXX', '+05:30')).toBe('20:35 +05:30');
  });

  it('refuses fields the value does not have, and bad patterns', () => {
    expect(() => JavaDateFormat.of('HH').format(dateValue(0))).toThrow('Unsupported field: HourOfDay');
    expect(() => JavaDateFormat.of('dd').format(timeValue(0))).toThrow('Unsupported field: DayOfMonth');
    expect(() => JavaDateFormat.of('z').format(dateValue(0))).toThrow(FunctionInvocationError);
    expect(() => JavaDateFormat.of('yyyy-bb')).toThrow('Unknown pattern letter: b');
    expect(() => JavaDateFormat.of('ddd')).toThrow('Too many pattern letters: d');
    expect(() => JavaDateFormat.of("'open")).toThrow(FunctionInvocationError);
  });
});

describe('DateTimeFormatter patterns: parsing', () => {
  const p = (pattern: string) => JavaDateFormat.of(pattern);

  it('parses case-insensitively with defaults for missing fields', () => {
    expect(p('dd MMM yyyy hh:mm a').parseTimestamp('04 jul 2023 03:05 pm', UTC)).toBe(at(2023, 7, 4, 15, 5));
    expect(p('HH:mm').parseTimestamp('10:30', UTC)).toBe(at(1970, 1, 1, 10, 30));
    expect(p('yyyy').parseDate('2001')).toBe(daysFromCivil(2001, 1, 1));
    expect(p("yyyy-MM-dd'T'HH:mm:ss.S").parseTimestamp('2020-02-29T23:59:59.5', UTC)).toBe(at(2020, 2, 29, 23, 59, 59, 500));
    // SSS wants three digits.
    expect(() => p("yyyy-MM-dd'T'HH:mm:ss.SSS").parseTimestamp('2020-02-29T23:59:59.5', UTC)).toThrow(FunctionInvocationError);
  });

  it('parses adjacent numbers by their fixed widths', () => {
    expect(p('yyyyMMddHHmm').parseTimestamp('202307041505', UTC)).toBe(at(2023, 7, 4, 15, 5));
    expect(p('yyMMdd').parseDate('991231')).toBe(daysFromCivil(2099, 12, 31));
  });

  it('takes the last day of a short month, as the SMART resolver does', () => {
    expect(p('yyyy-MM-dd').parseDate('2023-02-31')).toBe(daysFromCivil(2023, 2, 28));
    expect(() => p('yyyy-MM-dd').parseDate('2023-02-32')).toThrow(FunctionInvocationError);
    expect(() => p('yyyy-MM-dd').parseDate('2023-13-01')).toThrow(FunctionInvocationError);
  });

  it('uses a parsed zone or offset before the given zone', () => {
    const ny = resolveZone('America/New_York');
    expect(p('yyyy-MM-dd HH:mm').parseTimestamp('2023-01-15 12:00', ny)).toBe(at(2023, 1, 15, 17));
    expect(p('yyyy-MM-dd HH:mm XXX').parseTimestamp('2023-01-15 12:00 +01:00', ny)).toBe(at(2023, 1, 15, 11));
    expect(p('yyyy-MM-dd HH:mm X').parseTimestamp('2023-01-15 12:00 z', ny)).toBe(at(2023, 1, 15, 12));
    // PDT names Los Angeles time, summer or winter.
    expect(p('yyyy-MM-dd HH:mm z').parseTimestamp('2023-01-15 12:00 PDT', UTC)).toBe(at(2023, 1, 15, 20));
    expect(p('yyyy-MM-dd HH:mm VV').parseTimestamp('2023-07-15 12:00 Europe/Paris', UTC)).toBe(at(2023, 7, 15, 10));
  });

  it('rejects text that does not match or has leftovers', () => {
    expect(() => p('yyyy-MM-dd').parseDate('2023/01/01')).toThrow(/could not be parsed/);
    expect(() => p('yyyy-MM-dd').parseDate('2023-01-01 extra')).toThrow(/unparsed text/);
    expect(() => p('HH:mm').parseTime('25:00')).toThrow(/HourOfDay/);
  });
});

describe('time zones', () => {
  it('reads IANA IDs, offsets and Java\'s short IDs', () => {
    const t = at(2023, 7, 1);
    expect(resolveZone('Europe/London').offsetAt(t)).toBe(3600);
    expect(resolveZone('Europe/London').offsetAt(at(2023, 1, 1))).toBe(0);
    expect(resolveZone('+0530').offsetAt(t)).toBe(19800);
    expect(resolveZone('GMT-3').offsetAt(t)).toBe(-10800);
    expect(resolveZone('EST').offsetAt(t)).toBe(-18000);
    expect(resolveZone('PST').offsetAt(t)).toBe(-25200);
    expect(() => resolveZone('Mars/Olympus')).toThrow("Unknown time zone: 'Mars/Olympus'");
  });

  it('resolves local times in gaps and overlaps as Java does', () => {
    const la = resolveZone('America/Los_Angeles');
    // 02:30 on 2023-03-12 does not exist; it becomes 03:30 PDT.
    expect(localToUtc(at(2023, 3, 12, 2, 30), la)).toBe(at(2023, 3, 12, 10, 30));
    // 01:30 on 2023-11-05 happens twice; the earlier (PDT) wins.
    expect(localToUtc(at(2023, 11, 5, 1, 30), la)).toBe(at(2023, 11, 5, 8, 30));
  });
});

describe('date and time functions', () => {
  it('format and parse timestamps, in UTC unless told', () => {
    const ts = at(2021, 6, 30, 12, 18, 39, 446);
    expect(run("FORMAT_TIMESTAMP(ts, 'yyyy-MM-dd HH:mm:ss.SSS')", { TS: ts })).toBe('2021-06-30 12:18:39.446');
    expect(run("FORMAT_TIMESTAMP(ts, 'HH:mm', 'Asia/Tokyo')", { TS: ts })).toBe('21:18');
    expect(run("PARSE_TIMESTAMP('2021-06-30 12:18', 'yyyy-MM-dd HH:mm', 'Asia/Tokyo')")).toBe(at(2021, 6, 30, 3, 18));
    expect(run("TIMESTAMPTOSTRING(ms, 'yyyy-MM-dd HH:mm:ss Z', 'UTC')", { MS: 1580223282000n })).toBe('2020-01-28 14:54:42 +0000');
    expect(run("STRINGTOTIMESTAMP('2020-05-11 21:58:33', 'yyyy-MM-dd HH:mm:ss')")).toBe(1589234313000n);
    expect(run("PARSE_TIMESTAMP(s, 'yyyy')", { S: 'not a year' })).toBeNull();
    expect(run("FORMAT_TIMESTAMP(ts, 'yyyy', 'Nowhere/Land')", { TS: 0 })).toBeNull();
  });

  it('format and parse dates and times', () => {
    expect(run("FORMAT_DATE(dt, 'dd/MM/yyyy EEE')", { DT: daysFromCivil(2022, 1, 1) })).toBe('01/01/2022 Sat');
    expect(run("PARSE_DATE('1 February 1990', 'd MMMM yyyy')")).toBe(daysFromCivil(1990, 2, 1));
    expect(run("DATETOSTRING(n, 'yyyy-MM-dd')", { N: -1 })).toBe('1969-12-31');
    expect(run("STRINGTODATE('1970-01-11', 'yyyy-MM-dd')")).toBe(10);
    expect(run("FORMAT_TIME(tm, 'hh:mm:ss a')", { TM: 13 * 3_600_000 })).toBe('01:00:00 PM');
    expect(run("PARSE_TIME('7.30', 'H.mm')")).toBe(27_000_000);
    expect(run("FORMAT_DATE(dt, 'HH')", { DT: 0 })).toBeNull();
  });

  it('add and subtract intervals', () => {
    expect(run('TIMESTAMPADD(HOURS, 2, ts)', { TS: 1000 })).toBe(7_201_000);
    expect(run('TIMESTAMPSUB(DAYS, n, ts)', { TS: 0, N: 1 })).toBe(-86_400_000);
    expect(run('TIMEADD(MINUTES, 90, tm)', { TM: 23 * 3_600_000 })).toBe(1_800_000);
    expect(run('TIMESUB(SECONDS, 1, tm)', { TM: 0 })).toBe(86_399_000);
    expect(run('DATEADD(DAYS, 3, dt)', { DT: 10 })).toBe(13);
    expect(run('DATEADD(HOURS, 47, dt)', { DT: 10 })).toBe(11);
    expect(run('DATESUB(DAYS, 10, dt)', { DT: 0 })).toBe(-10);
    expect(run('TIMESTAMPADD(SECONDS, n, ts)', { TS: 0, N: null })).toBeNull();
    expect(() => evaluate('TIMESTAMPADD(ts, 5, ts)', { TS: 0 }, SCHEMA)).toThrow("Function 'timestampadd' does not accept parameters (TIMESTAMP, INTEGER, TIMESTAMP).");
  });

  it('convert between zones and epoch numbers', () => {
    expect(run("CONVERT_TZ(ts, 'UTC', 'Asia/Kolkata')", { TS: 0 })).toBe(19_800_000);
    expect(run("CONVERT_TZ(ts, '+0100', '-0100')", { TS: 10_000_000 })).toBe(2_800_000);
    expect(run('UNIX_TIMESTAMP(ts)', { TS: 123 })).toBe(123n);
    expect(run('FROM_UNIXTIME(ms)', { MS: 456n })).toBe(456);
    expect(run('UNIX_DATE(dt)', { DT: 7 })).toBe(7);
    expect(run('FROM_DAYS(n)', { N: -3 })).toBe(-3);
    expect(Number(run('UNIX_TIMESTAMP()'))).toBeGreaterThan(at(2024, 1, 1));
    expect(run('UNIX_DATE()') as number).toBeGreaterThan(19000);
  });
});
