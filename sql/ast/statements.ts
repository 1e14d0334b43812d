/**
 * Statement nodes: a discriminated union on `kind`, one kind per thing a user can ask for.
 * Stream and table variants of a statement share a kind and say which in `sourceType`.
 */
import type { SourceLocation } from '../parser/source-text.js';
import type { Expression, Literal, TimeUnit } from './expressions.js';
import type { SqlType } from './types.js';

interface Node {
  readonly loc: SourceLocation;
}

export type SourceType = 'STREAM' | 'TABLE';

// ---- shared parts -------------------------------------------------------------------------------

export type { TimeUnit };

export interface Duration extends Node {
  readonly value: number;
  readonly unit: TimeUnit;
}

const UNIT_MILLIS: Record<TimeUnit, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

export function durationMillis(duration: Pick<Duration, 'value' | 'unit'>): number {
  return duration.value * UNIT_MILLIS[duration.unit];
}

/** `NAME = literal` in a WITH clause. Unquoted names are upper-cased; unknown names are kept. */
export interface Property extends Node {
  readonly name: string;
  readonly value: Literal;
}

/** The WITH properties of CREATE STREAM / TABLE that ksqlDB documents. */
export const SOURCE_PROPERTY_NAMES = [
  'KAFKA_TOPIC',
  'KEY_FORMAT',
  'VALUE_FORMAT',
  'FORMAT',
  'PARTITIONS',
  'REPLICAS',
  'RETENTION_MS',
  'TIMESTAMP',
  'TIMESTAMP_FORMAT',
  'WINDOW_TYPE',
  'WINDOW_SIZE',
  'KEY_DELIMITER',
  'VALUE_DELIMITER',
  'WRAP_SINGLE_VALUE',
  'KEY_SCHEMA_ID',
  'VALUE_SCHEMA_ID',
  'KEY_SCHEMA_FULL_NAME',
  'VALUE_SCHEMA_FULL_NAME',
  'VALUE_AVRO_SCHEMA_FULL_NAME',
  'KEY_PROTOBUF_NULLABLE_REPRESENTATION',
  'VALUE_PROTOBUF_NULLABLE_REPRESENTATION',
] as const;

export type SourcePropertyName = (typeof SOURCE_PROPERTY_NAMES)[number];

/** The last property of that name (names compare case-insensitively). */
export function findProperty(properties: readonly Property[], name: string): Property | undefined {
  const wanted = name.toUpperCase();
  return properties.findLast((property) => property.name.toUpperCase() === wanted);
}

export type ColumnConstraint =
  | { readonly kind: 'Key' }
  | { readonly kind: 'PrimaryKey' }
  | { readonly kind: 'Headers' }
  | { readonly kind: 'Header'; readonly key: string };

export interface ColumnDefinition extends Node {
  readonly name: string;
  readonly type: SqlType;
  readonly constraint?: ColumnConstraint;
}

// ---- queries ------------------------------------------------------------------------------------

/** `*` or `source.*`. */
export interface AllColumns extends Node {
  readonly kind: 'AllColumns';
  readonly source?: string;
}

export interface SingleColumn extends Node {
  readonly kind: 'SingleColumn';
  readonly expression: Expression;
  readonly alias?: string;
}

/** `struct->*`: every field of a struct as its own column. */
export interface StructAllFields extends Node {
  readonly kind: 'StructAllFields';
  readonly expression: Expression;
}

export type SelectItem = AllColumns | SingleColumn | StructAllFields;

export interface AliasedSource extends Node {
  readonly kind: 'AliasedSource';
  readonly name: string;
  readonly alias?: string;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

/** `WITHIN d` (before = after = d) or `WITHIN (before, after)`, with an optional grace period. */
export interface JoinWindow extends Node {
  readonly before: Duration;
  readonly after: Duration;
  readonly grace?: Duration;
}

/** Joins nest to the left: `A JOIN B … JOIN C …` is `Join(Join(A, B), C)`. */
export interface Join extends Node {
  readonly kind: 'Join';
  readonly joinType: JoinType;
  readonly left: Relation;
  readonly right: AliasedSource;
  readonly within?: JoinWindow;
  readonly on: Expression;
}

export type Relation = AliasedSource | Join;

interface WindowCommon extends Node {
  readonly retention?: Duration;
  readonly grace?: Duration;
}

export interface TumblingWindow extends WindowCommon {
  readonly kind: 'TumblingWindow';
  readonly size: Duration;
}

export interface HoppingWindow extends WindowCommon {
  readonly kind: 'HoppingWindow';
  readonly size: Duration;
  readonly advance: Duration;
}

export interface SessionWindow extends WindowCommon {
  readonly kind: 'SessionWindow';
  readonly gap: Duration;
}

export type WindowExpression = TumblingWindow | HoppingWindow | SessionWindow;

/** A SELECT: a push query when it has EMIT, else a pull query, or the body of CSAS / INSERT. */
export interface Query extends Node {
  readonly kind: 'Query';
  readonly select: readonly SelectItem[];
  readonly from: Relation;
  readonly window?: WindowExpression;
  readonly where?: Expression;
  readonly groupBy?: readonly Expression[];
  readonly partitionBy?: readonly Expression[];
  readonly having?: Expression;
  readonly emit?: 'CHANGES' | 'FINAL';
  readonly limit?: number;
}

// ---- statements ---------------------------------------------------------------------------------

/** `CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name [(columns)] [WITH (…)]`. */
export interface CreateSource extends Node {
  readonly kind: 'CreateSource';
  readonly sourceType: SourceType;
  readonly orReplace: boolean;
  /** `CREATE SOURCE …`: read-only, materialized for pull queries. */
  readonly isSource: boolean;
  readonly ifNotExists: boolean;
  readonly name: string;
  /** Empty when the schema is to be inferred (from a schema registry). */
  readonly columns: readonly ColumnDefinition[];
  readonly properties: readonly Property[];
}

/** `CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name [WITH (…)] AS SELECT …`. */
export interface CreateAsSelect extends Node {
  readonly kind: 'CreateAsSelect';
  readonly sourceType: SourceType;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly properties: readonly Property[];
  readonly query: Query;
}

export interface InsertInto extends Node {
  readonly kind: 'InsertInto';
  readonly target: string;
  readonly properties: readonly Property[];
  readonly query: Query;
}

export interface InsertValues extends Node {
  readonly kind: 'InsertValues';
  readonly target: string;
  /** Empty: values for all columns, in schema order. */
  readonly columns: readonly string[];
  readonly values: readonly Expression[];
}

export interface DropSource extends Node {
  readonly kind: 'DropSource';
  readonly sourceType: SourceType;
  readonly ifExists: boolean;
  readonly name: string;
  readonly deleteTopic: boolean;
}

export interface CreateType extends Node {
  readonly kind: 'CreateType';
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly type: SqlType;
}

export interface DropType extends Node {
  readonly kind: 'DropType';
  readonly ifExists: boolean;
  readonly name: string;
}

/** `ALTER STREAM|TABLE name ADD [COLUMN] c type, …`. */
export interface AlterSource extends Node {
  readonly kind: 'AlterSource';
  readonly sourceType: SourceType;
  readonly name: string;
  readonly columns: readonly ColumnDefinition[];
}

export interface AlterSystem extends Node {
  readonly kind: 'AlterSystem';
  readonly property: string;
  readonly value: string;
}

export type ShowSubject =
  | 'STREAMS'
  | 'TABLES'
  | 'TOPICS'
  | 'QUERIES'
  | 'PROPERTIES'
  | 'FUNCTIONS'
  | 'TYPES'
  | 'VARIABLES'
  | 'CONNECTORS'
  | 'CONNECTOR PLUGINS';

/** `SHOW|LIST subject [EXTENDED]`, `SHOW ALL TOPICS`, `SHOW [SOURCE|SINK] CONNECTORS`. */
export interface Show extends Node {
  readonly kind: 'Show';
  readonly subject: ShowSubject;
  readonly extended: boolean;
  /** `SHOW ALL TOPICS`: internal topics too. */
  readonly all: boolean;
  readonly connectorType?: 'SOURCE' | 'SINK';
}

export interface DescribeSource extends Node {
  readonly kind: 'DescribeSource';
  readonly name: string;
  readonly extended: boolean;
}

/** `DESCRIBE STREAMS|TABLES [EXTENDED]`: every source of that type. */
export interface DescribeAll extends Node {
  readonly kind: 'DescribeAll';
  readonly sourceType: SourceType;
  readonly extended: boolean;
}

export interface DescribeFunction extends Node {
  readonly kind: 'DescribeFunction';
  readonly name: string;
}

export interface DescribeConnector extends Node {
  readonly kind: 'DescribeConnector';
  readonly name: string;
}

/** `EXPLAIN <query, CSAS/CTAS or INSERT INTO … SELECT>` or `EXPLAIN query_id`. */
export interface Explain extends Node {
  readonly kind: 'Explain';
  readonly statement?: Query | CreateAsSelect | InsertInto;
  readonly queryId?: string;
}

export interface Print extends Node {
  readonly kind: 'Print';
  /** Topic names are case-sensitive: an unquoted name is kept as written. */
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly interval?: number;
  readonly limit?: number;
}

/** TERMINATE, PAUSE and RESUME: one query, or all of them. */
export interface QueryControl extends Node {
  readonly kind: 'Terminate' | 'Pause' | 'Resume';
  readonly all: boolean;
  readonly queryId?: string;
}

export interface SetProperty extends Node {
  readonly kind: 'SetProperty';
  readonly property: string;
  readonly value: string;
}

export interface UnsetProperty extends Node {
  readonly kind: 'UnsetProperty';
  readonly property: string;
}

/** Variable names are case-insensitive; `name` is as written. */
export interface DefineVariable extends Node {
  readonly kind: 'DefineVariable';
  readonly name: string;
  readonly value: string;
}

export interface UndefineVariable extends Node {
  readonly kind: 'UndefineVariable';
  readonly name: string;
}

export interface AssertTopic extends Node {
  readonly kind: 'AssertTopic';
  /** False for `ASSERT NOT EXISTS TOPIC`. */
  readonly exists: boolean;
  readonly topic: string;
  readonly properties: readonly Property[];
  readonly timeout?: Duration;
}

export interface AssertSchema extends Node {
  readonly kind: 'AssertSchema';
  readonly exists: boolean;
  readonly subject?: string;
  readonly id?: number;
  readonly timeout?: Duration;
}

export interface CreateConnector extends Node {
  readonly kind: 'CreateConnector';
  readonly connectorType: 'SOURCE' | 'SINK';
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly properties: readonly Property[];
}

export interface DropConnector extends Node {
  readonly kind: 'DropConnector';
  readonly ifExists: boolean;
  readonly name: string;
}

export type Statement =
  | Query
  | CreateSource
  | CreateAsSelect
  | InsertInto
  | InsertValues
  | DropSource
  | CreateType
  | DropType
  | AlterSource
  | AlterSystem
  | Show
  | DescribeSource
  | DescribeAll
  | DescribeFunction
  | DescribeConnector
  | Explain
  | Print
  | QueryControl
  | SetProperty
  | UnsetProperty
  | DefineVariable
  | UndefineVariable
  | AssertTopic
  | AssertSchema
  | CreateConnector
  | DropConnector;

export type StatementKind = Statement['kind'];

/** A statement with the text it came from. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement as parsed: variables substituted, trimmed, terminated by `;`. */
  readonly text: string;
  /** The statement as submitted, before substitution (without its `;`). */
  readonly sourceText: string;
  readonly loc: SourceLocation;
}
