/**
 * A CLI session: the properties (SET) and variables (DEFINE) it sends with each request, the
 * output format, and running one statement at a time against the server, printing what it
 * answers. A running statement can be cancelled (Ctrl-C).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CancelledError, ConnectionError, type Entity, type KsqlRestClient, ServerError } from './rest-client.js';
import { renderEntity } from './render-entity.js';
import { classify, scriptStatements, substitute } from './statements.js';
import { formatCell, renderTable, StreamingTable, streamingWidths } from './table.js';

export type OutputFormat = 'tabular' | 'json';

export interface Output {
  /** Results. */
  write(text: string): void;
  /** Errors and warnings. */
  error(text: string): void;
  /** Characters per line for tables whose widths are not known in advance. */
  width(): number;
}

export interface SessionOptions {
  readonly client: KsqlRestClient;
  readonly output: Output;
  readonly format?: OutputFormat;
  readonly variables?: Record<string, string>;
}

export class Session {
  client: KsqlRestClient;
  format: OutputFormat;
  readonly properties: Record<string, string> = {};
  readonly variables: Record<string, string> = {};
  private readonly output: Output;
  private running: AbortController | undefined;

  constructor(options: SessionOptions) {
    this.client = options.client;
    this.output = options.output;
    this.format = options.format ?? 'tabular';
    for (const [name, value] of Object.entries(options.variables ?? {})) this.define(name, value);
  }

  /** A statement is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Stops the running statement (a push query, a slow request). False when none runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  /** Runs the statements of a script in order, stopping at the first that fails. */
  async runScript(script: string): Promise<boolean> {
    for (const statement of scriptStatements(script)) {
      if (!(await this.run(statement))) return false;
    }
    return true;
  }

  /** Runs one complete statement and prints its result; false (the error printed) when it failed. */
  async run(statement: string): Promise<boolean> {
    const controller = new AbortController();
    const outer = this.running;
    this.running = controller;
    // RUN SCRIPT runs statements inside a statement: Ctrl-C stops the innermost and the script.
    const forward = (): void => controller.abort();
    outer?.signal.addEventListener('abort', forward);
    try {
      await this.dispatch(statement, controller.signal);
      return true;
    } catch (error) {
      this.report(error, statement);
      return false;
    } finally {
      outer?.signal.removeEventListener('abort', forward);
      this.running = outer;
    }
  }

  private async dispatch(statement: string, signal: AbortSignal): Promise<void> {
    const command = classify(statement);
    switch (command.kind) {
      case 'set': {
        const value = substitute(command.value, this.variables);
        this.properties[command.property] = value;
        this.notice(`Successfully changed local property '${command.property}' to '${value}'. Use the UNSET command to revert your change.`);
        return;
      }
      case 'unset': {
        const old = this.properties[command.property];
        delete this.properties[command.property];
        this.notice(old === undefined ? `Local property '${command.property}' was not set.` : `Successfully unset local property '${command.property}' (value was '${old}').`);
        return;
      }
      case 'define':
        this.define(command.name, substitute(command.value, this.variables));
        return;
      case 'undefine':
        if (!this.undefine(command.name)) this.output.error(`WARNING: Cannot undefine variable '${command.name}' which was never defined.\n`);
        return;
      case 'run-script': {
        const path = resolve(substitute(command.path, this.variables));
        let script: string;
        try {
          script = await readFile(path, 'utf8');
        } catch (error) {
          throw new Error(`Cannot read the script ${path}: ${(error as Error).message}`);
        }
        if (!(await this.runScript(script))) throw new ScriptFailed();
        return;
      }
      case 'query':
        return this.query(statement, command.push, signal);
      case 'print':
        return this.print(statement, signal);
      case 'statement':
        return this.statement(statement, signal);
    }
  }

  private define(name: string, value: string): void {
    this.undefine(name);
    this.variables[name] = value;
  }

  private undefine(name: string): boolean {
    const existing = Object.keys(this.variables).find((k) => k.toUpperCase() === name.toUpperCase());
    if (existing === undefined) return false;
    delete this.variables[existing];
    return true;
  }

  /** A message of the CLI itself; not in the JSON output, which holds only the server's answers. */
  private notice(text: string): void {
    if (this.format === 'tabular') this.output.write(`${text}\n`);
  }

  private async statement(statement: string, signal: AbortSignal): Promise<void> {
    const entities = await this.client.ksql(statement, this.properties, this.variables, signal);
    if (this.format === 'json') {
      this.output.write(`${JSON.stringify(entities, null, 2)}\n`);
      return;
    }
    this.output.write(entities.map((e: Entity) => renderEntity(e)).join('\n'));
  }

  private async query(sql: string, push: boolean, signal: AbortSignal): Promise<void> {
    if (this.format === 'json') {
      // The server's own lines: the metadata object, then one array per row.
      try {
        await this.client.query(sql, this.properties, this.variables, { onMetadata: (meta) => this.output.write(`${JSON.stringify(meta)}\n`), onRow: (_row, text) => this.output.write(`${text}\n`) }, signal);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
      return;
    }
    let headers: string[] | undefined;
    let table: StreamingTable | undefined;
    const rows: string[][] = [];
    // A pull query's rows come at once: the table fits them. A push query's rows are printed as
    // they come, in columns of a fixed width.
    const close = (): void => {
      if (table) this.output.write(table.foot());
      else if (headers) this.output.write(renderTable(headers, rows));
    };
    try {
      await this.client.query(
        sql,
        this.properties,
        this.variables,
        {
          onMetadata: (meta) => {
            headers = meta.columnNames;
            if (push) {
              table = new StreamingTable(headers, streamingWidths(headers, this.output.width()));
              this.output.write(table.head());
            }
          },
          onRow: (row) => {
            const cells = row.map(formatCell);
            if (table) this.output.write(table.row(cells));
            else rows.push(cells);
          },
        },
        signal,
      );
    } catch (error) {
      close();
      if (!(error instanceof CancelledError)) throw error;
      this.output.write('Query terminated\n');
      return;
    }
    close();
    if (push) this.output.write('Query terminated\n');
  }

  private async print(statement: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.print(statement, this.properties, (text) => this.output.write(text), signal);
    } catch (error) {
      if (error instanceof CancelledError) return;
      throw error;
    }
  }

  private report(error: unknown, statement: string): void {
    if (error instanceof ScriptFailed) return;
    if (error instanceof CancelledError) {
      this.output.error('Cancelled.\n');
      return;
    }
    if (error instanceof ServerError) {
      if (this.format === 'json') {
        this.output.error(`${JSON.stringify(error.entity, null, 2)}\n`);
        return;
      }
      const text = error.entity.statementText || statement;
      this.output.error(`${error.entity.message.replace(/\n*$/, '')}\nStatement: ${text}\n`);
      return;
    }
    if (error instanceof ConnectionError) {
      this.output.error(`${error.message}\n`);
      return;
    }
    this.output.error(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** A statement of a script failed; its error is printed already. */
class ScriptFailed extends Error {
  constructor() {
    super('The script stopped at a failed statement.');
  }
}
