/**
 * Pull queries that are key lookups (`SELECT … FROM t WHERE k = 'a'`, `k IN (…)`) on a table
 * with KAFKA keys, the common pull query, made cheap to repeat:
 *
 * - PreparedLookup: the query's projection, parsed, planned and built once per SELECT list and
 *   table without the WHERE clause (the lookup answers it), run on the rows read by key.
 * - LookupPlan: what a statement of one shape (QueryParseCache: its text with string and integer
 *   literals left out) needs to answer another of that shape: which literals are the keys and how
 *   each becomes its key column's value. A lookup of a known shape is then lexed, its key bytes
 *   serialized and read, without parsing, planning or expression compiling.
 */
import type { Expression } from '../../sql/ast/expressions.js';
import type { Query } from '../../sql/ast/statements.js';
import type { DataSource } from '../../sql/catalog/data-source.js';
import type { Row } from '../../sql/formats/format.js';
import type { SqlType } from '../../sql/types/sql-type.js';
import type { RawRecord } from '../../engine/runtime/record-queue.js';
import type { Serde } from '../../engine/serde/serde.js';
import type { Topology } from '../../engine/topology/topology.js';
import type { Logger } from '../../storage/logger.js';
import type { ResultColumn } from './ksql-server.js';
import { literalNodes, literalsMatch, stringValue, type Literal, type LiteralToken, type QueryShape } from './query-parse-cache.js';
import { StatelessRunner } from './transient.js';

/** A key lookup's projection, built once: rows read by key in, result rows out. */
export class PreparedLookup {
  private readonly runner: StatelessRunner;

  /** `sink` is where the built topology puts its rows (filled by run()). */
  constructor(
    readonly source: DataSource,
    readonly columns: readonly ResultColumn[],
    private readonly sink: { rows: unknown[][] },
    topology: Topology,
    logger: Logger,
  ) {
    this.runner = new StatelessRunner(topology, logger);
  }

  /** The result rows of `records`, at most `limit`. Processing is synchronous: the sink holds this call's rows only. */
  run(records: readonly RawRecord[], limit?: number): unknown[][] {
    const rows: unknown[][] = [];
    this.sink.rows = rows;
    for (const r of records) {
      if (limit !== undefined && rows.length >= limit) break;
      this.runner.process(this.source.topic, r.partition, [r]);
    }
    return limit === undefined || rows.length <= limit ? rows : rows.slice(0, limit);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}

/** A literal token that cannot stand where the plan's literal stood (its kind would change). */
const NO_FIT = Symbol('no fit');

type KeyValue = (token: LiteralToken) => unknown;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function isInt(token: LiteralToken): boolean {
  // Integer tokens are digits only; beyond 2^53 the comparison is still on the right side of the bounds.
  const n = Number(token.image);
  return n >= INT_MIN && n <= INT_MAX;
}

/**
 * How a literal token becomes the value of a key column of `type`, as the engine's keyBytes makes
 * it: the literal's value as is where the types agree, or INTEGER widened to BIGINT. Undefined for
 * other pairs (those lookups take the general path).
 */
function keyValue(literal: Literal, type: SqlType): KeyValue | undefined {
  switch (`${literal.kind} ${type.kind}`) {
    case 'StringLiteral STRING':
      return stringValue;
    case 'IntegerLiteral INTEGER':
      return (t) => (isInt(t) ? Number(t.image) : NO_FIT);
    case 'IntegerLiteral BIGINT':
      return (t) => (isInt(t) ? BigInt(t.image) : NO_FIT);
    case 'BigIntLiteral BIGINT':
      return (t) => (isInt(t) ? NO_FIT : BigInt(t.image));
    default:
      return undefined;
  }
}

/** What a key lookup reads and how it answers. */
export interface Lookup {
  readonly source: DataSource;
  /** The source's name in FROM (for query ids). */
  readonly from: string;
  readonly prepared: PreparedLookup;
  readonly limit: number | undefined;
  /** For a windowed table, how many bytes of window follow the key in a record key. */
  readonly windowSuffix: number | undefined;
}

/** A key-lookup pull query of one shape, ready for another statement of that shape. */
export interface LookupPlan extends Lookup {
  /** The projection's key in the server's cache of them (still there with this projection: still valid). */
  readonly preparedKey: string;
  /** Per key row, per key column: the index of the literal token that gives its value, and how. */
  readonly keys: readonly (readonly { readonly literal: number; readonly value: KeyValue }[])[];
  /** The text of each literal token that is no key (it is part of the projection), by index. */
  readonly fixed: readonly (string | undefined)[];
  readonly keySerde: Serde<Row>;
}

/**
 * The plan of a key lookup just answered the general way (`pins`: its WHERE clause's key rows,
 * `keys`: the key bytes the engine made of them), or undefined when a statement of its shape could
 * not be answered from the shape alone.
 */
export function lookupPlan(
  lookup: Lookup,
  options: { shape: QueryShape; query: Query; preparedKey: string; pins: readonly (readonly Expression[])[]; keys: readonly Buffer[]; keySerde: Serde<Row> },
): LookupPlan | undefined {
  const { shape, query } = options;
  const { source } = lookup;
  const nodes = literalNodes(query);
  if (!literalsMatch(nodes, shape.literals)) return undefined;
  const index = new Map<Expression, number>(nodes.map((n, i) => [n, i]));
  const keys: { literal: number; value: KeyValue }[][] = [];
  for (const row of options.pins) {
    const columns: { literal: number; value: KeyValue }[] = [];
    for (const [i, e] of row.entries()) {
      const literal = index.get(e);
      const value = literal === undefined ? undefined : keyValue(nodes[literal]!, source.schema.key[i]!.type);
      if (literal === undefined || value === undefined) return undefined;
      columns.push({ literal, value });
    }
    keys.push(columns);
  }
  const pinned = new Set(keys.flatMap((row) => row.map((c) => c.literal)));
  const plan: LookupPlan = {
    ...lookup,
    preparedKey: options.preparedKey,
    keys,
    fixed: shape.literals.map((t, i) => (pinned.has(i) ? undefined : t.image)),
    keySerde: options.keySerde,
  };
  // The plan must find the very keys the engine found.
  const mine = planKeys(plan, shape.literals);
  if (!mine || mine.length !== options.keys.length || mine.some((k, i) => !k.equals(options.keys[i]!))) return undefined;
  return plan;
}

/** The key bytes a statement of the plan's shape reads, or undefined when its literals do not fit the plan. */
export function planKeys(plan: LookupPlan, literals: readonly LiteralToken[]): Buffer[] | undefined {
  for (let i = 0; i < plan.fixed.length; i++) {
    if (plan.fixed[i] !== undefined && plan.fixed[i] !== literals[i]!.image) return undefined;
  }
  const out: Buffer[] = [];
  for (const row of plan.keys) {
    const values: unknown[] = [];
    for (const column of row) {
      const v = column.value(literals[column.literal]!);
      if (v === NO_FIT) return undefined;
      values.push(v);
    }
    try {
      const bytes = plan.keySerde.serialize(plan.source.topic, values);
      if (bytes) out.push(bytes);
    } catch {
      // a value of another type matches no key
    }
  }
  return out;
}
