/**
 * The catalog: streams and tables by name, custom types, and the persistent queries that read
 * and write them. It enforces what keeps the catalog consistent (a source a query uses cannot be
 * dropped; names are unique); what a statement means is the engine's business.
 */
import type { SqlType } from '../types/sql-type.js';
import type { DataSource } from './data-source.js';
import { sourceTypeName } from './data-source.js';
import { SqlStatementError } from './errors.js';

export interface QueryInfo {
  readonly id: string;
  readonly statementText: string;
  /** The stream or table the query writes. */
  readonly sink: string;
  /** The streams and tables it reads. */
  readonly sources: readonly string[];
}

export class MetaStore {
  private readonly sources = new Map<string, DataSource>();
  private readonly types = new Map<string, SqlType>();
  private readonly queries = new Map<string, QueryInfo>();

  getSource(name: string): DataSource | undefined {
    return this.sources.get(name);
  }

  requireSource(name: string): DataSource {
    const source = this.sources.get(name);
    if (!source) throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `${name} does not exist.`);
    return source;
  }

  allSources(): DataSource[] {
    return [...this.sources.values()];
  }

  /** Adds or (CREATE OR REPLACE) replaces a source. */
  putSource(source: DataSource, replace = false): void {
    const existing = this.sources.get(source.name);
    if (existing && !replace) {
      throw new SqlStatementError(
        'SQL_SOURCE_EXISTS',
        `Cannot add ${sourceTypeName(source.sourceType)} '${source.name}': A ${sourceTypeName(existing.sourceType)} with the same name already exists`,
      );
    }
    this.sources.set(source.name, source);
  }

  deleteSource(name: string): void {
    const readers = this.queriesReading(name).map((q) => q.id);
    const writers = this.queriesWriting(name).map((q) => q.id);
    if (readers.length > 0 || writers.length > 0) {
      const parts: string[] = [];
      if (readers.length > 0) parts.push(`The following queries read from this source: [${readers.sort().join(', ')}].`);
      if (writers.length > 0) parts.push(`The following queries write into this source: [${writers.sort().join(', ')}].`);
      throw new SqlStatementError('SQL_SOURCE_IN_USE', `Cannot drop ${name}.\n${parts.join('\n')}\nYou need to terminate them before dropping ${name}.`);
    }
    this.sources.delete(name);
  }

  getType(name: string): SqlType | undefined {
    return this.types.get(name.toUpperCase());
  }

  customTypes(): ReadonlyMap<string, SqlType> {
    return this.types;
  }

  putType(name: string, type: SqlType): void {
    this.types.set(name.toUpperCase(), type);
  }

  deleteType(name: string): boolean {
    return this.types.delete(name.toUpperCase());
  }

  addQuery(query: QueryInfo): void {
    this.queries.set(query.id, query);
  }

  removeQuery(id: string): QueryInfo | undefined {
    const query = this.queries.get(id);
    this.queries.delete(id);
    return query;
  }

  getQuery(id: string): QueryInfo | undefined {
    return this.queries.get(id);
  }

  allQueries(): QueryInfo[] {
    return [...this.queries.values()];
  }

  queriesReading(name: string): QueryInfo[] {
    return this.allQueries().filter((q) => q.sources.includes(name));
  }

  queriesWriting(name: string): QueryInfo[] {
    return this.allQueries().filter((q) => q.sink === name);
  }

  /** A copy (sources, types and queries) with each source passed through `map`: planning views of the catalog. */
  copy(map: (source: DataSource) => DataSource = (s) => s): MetaStore {
    const copy = new MetaStore();
    for (const [name, source] of this.sources) copy.sources.set(name, map(source));
    for (const [name, type] of this.types) copy.types.set(name, type);
    for (const [id, query] of this.queries) copy.queries.set(id, query);
    return copy;
  }
}
