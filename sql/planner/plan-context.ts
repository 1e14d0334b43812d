/**
 * What planning a statement needs besides the statement: the catalog, the functions, the
 * session's properties, and what the topics it reads look like.
 */
import type { MetaStore } from '../catalog/metastore.js';
import type { CompileOptions } from '../codegen/compiled.js';
import type { SqlConfig } from '../engine/sql-config.js';

export interface PlannerContext {
  readonly metaStore: MetaStore;
  readonly compile: CompileOptions;
  readonly config: SqlConfig;
  /** Planning a push or pull query: `*` of a windowed source lists WINDOWSTART and WINDOWEND after the key, as ksqlDB. */
  readonly transient?: boolean;
  /** The partition count of an existing topic (undefined when it does not exist). */
  partitionsOf(topic: string): number | undefined;
}

/** Hands out ksqlDB-style generated names that do not collide with names in use. */
export class NameGenerator {
  private next = 0;

  constructor(private readonly taken: Set<string>) {}

  /** `KSQL_COL_n` with the lowest n (from where the last one stopped) not taken. */
  column(): string {
    for (;;) {
      const name = `KSQL_COL_${this.next++}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }

  take(name: string): void {
    this.taken.add(name);
  }
}
