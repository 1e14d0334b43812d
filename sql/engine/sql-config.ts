/**
 * The ksqlDB properties a session or the server sets (`SET 'ksql.…' = '…'`, streamsProperties,
 * QTT `properties`), read with ksqlDB's defaults. Names are ksqlDB's own, so users' property
 * files carry over; `ksql.streams.*` pass through to the engine's streams configuration.
 */
export const DEFAULTS: Readonly<Record<string, string>> = {
  'ksql.service.id': 'default_',
  'ksql.persistence.default.format.key': 'KAFKA',
  'ksql.persistence.wrap.single.values': '',
  'ksql.output.topic.name.prefix': '',
  'ksql.sink.partitions': '',
  'ksql.sink.replicas': '',
  'ksql.timestamp.throw.on.invalid': 'false',
  'ksql.streams.auto.offset.reset': 'latest',
  'ksql.query.pull.table.scan.enabled': 'true',
  'ksql.query.pull.stream.enabled': 'true',
  'ksql.functions.collect_list.limit': '1000',
  'ksql.functions.collect_set.limit': '1000',
};

export class SqlConfig {
  private readonly props: Map<string, string>;

  constructor(properties: Readonly<Record<string, string | number | boolean>> = {}) {
    this.props = new Map(Object.entries(properties).map(([k, v]) => [k, String(v)]));
  }

  get(name: string): string | undefined {
    const v = this.props.get(name) ?? DEFAULTS[name];
    return v === undefined || v === '' ? undefined : v;
  }

  getBoolean(name: string): boolean | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : v.trim().toLowerCase() === 'true';
  }

  getInt(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  with(overrides: Readonly<Record<string, string | number | boolean>>): SqlConfig {
    return new SqlConfig({ ...Object.fromEntries(this.props), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, String(v)])) });
  }

  /** Every property set (not the defaults). */
  entries(): [string, string][] {
    return [...this.props.entries()];
  }

  /** Function settings (`ksql.functions.*`) as the function registry reads them. */
  functionConfig(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(DEFAULTS)) if (k.startsWith('ksql.functions.')) out[k] = v;
    for (const [k, v] of this.props) if (k.startsWith('ksql.functions.')) out[k] = v;
    return out;
  }
}
