/**
 * The interactive loop: `ksql> ` and `>` prompts, statements that may span lines, the CLI's own
 * commands (help, exit, …), history, Ctrl-C to drop the input or stop a running query, Ctrl-D to
 * leave. On a pipe (not a terminal) it reads statements without prompts, as psql does.
 */
import { createInterface } from 'node:readline';
import { historyPath, HISTORY_SIZE, loadHistory, saveHistory } from './history.js';
import { KsqlRestClient } from './rest-client.js';
import type { OutputFormat, Session } from './session.js';
import { StatementBuffer, scriptStatements } from './statements.js';

export const PROMPT = 'ksql> ';
export const CONTINUATION_PROMPT = '>';

export type CliCommand =
  | { kind: 'exit' }
  | { kind: 'help' }
  | { kind: 'clear' }
  | { kind: 'output'; format?: OutputFormat }
  | { kind: 'server'; url?: string };

/** A line that is one of the CLI's commands (typed at the start of a statement, `;` optional). */
export function cliCommand(line: string): CliCommand | undefined {
  const m = /^\s*(exit|quit|help|clear|output|server)(?:\s+(\S+))?\s*;?\s*$/i.exec(line);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const arg = m[2];
  switch (name) {
    case 'exit':
    case 'quit':
      return arg === undefined ? { kind: 'exit' } : undefined;
    case 'help':
      return arg === undefined ? { kind: 'help' } : undefined;
    case 'clear':
      return arg === undefined ? { kind: 'clear' } : undefined;
    case 'output': {
      if (arg === undefined) return { kind: 'output' };
      const format = arg.toLowerCase();
      return format === 'tabular' || format === 'json' ? { kind: 'output', format } : undefined;
    }
    default:
      return arg === undefined ? { kind: 'server' } : { kind: 'server', url: arg };
  }
}

export const HELP = `Statements end with a semicolon and may span lines; they go to the server:
  SHOW STREAMS;  SHOW TABLES;  SHOW QUERIES;  SHOW TOPICS;  SHOW PROPERTIES;
  DESCRIBE <name> [EXTENDED];  EXPLAIN <query id>;
  CREATE STREAM/TABLE ...;  CREATE STREAM/TABLE ... AS SELECT ...;  INSERT INTO ... VALUES (...);
  SELECT ... FROM <table or stream>;               a pull query: the current rows
  SELECT ... FROM ... EMIT CHANGES [LIMIT n];      a push query: rows as they come, Ctrl-C stops it
  DROP STREAM/TABLE <name> [DELETE TOPIC];  TERMINATE <query id>;

The CLI runs these itself:
  SET 'property'='value';    a property for the statements that follow (e.g. 'auto.offset.reset'='earliest')
  UNSET 'property';
  DEFINE name = 'value';     a variable, used as \${name} in later statements
  UNDEFINE name;
  RUN SCRIPT 'file.sql';     runs a file's statements

Commands (no semicolon needed):
  help                       this text
  output [TABULAR|JSON]      shows or changes the output format
  server [URL]               shows or changes the server
  clear                      clears the screen
  exit, quit, Ctrl-D         leaves the CLI

Ctrl-C drops the statement being typed, or stops the running query.
`;

export interface ReplOptions {
  readonly session: Session;
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Prompts, banner and history: true when both ends are a terminal. */
  readonly interactive: boolean;
  readonly historyFile?: string;
}

/** Runs the loop until exit, Ctrl-D or the end of the input. */
export async function repl(options: ReplOptions): Promise<void> {
  const { session, interactive } = options;
  const write = (text: string): void => void options.output.write(text);
  const historyFile = options.historyFile ?? historyPath();
  const rl = createInterface({
    input: options.input,
    ...(interactive ? { output: options.output } : {}),
    terminal: interactive,
    history: interactive ? loadHistory(historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: PROMPT,
  });
  if (interactive) rl.on('history', (entries: string[]) => saveHistory(historyFile, entries));
  const buffer = new StatementBuffer();
  const prompt = (): void => {
    if (!interactive) return;
    rl.setPrompt(buffer.pending ? CONTINUATION_PROMPT : PROMPT);
    rl.prompt();
  };
  const interrupt = (): void => {
    if (session.cancel()) return;
    if (!interactive) {
      // Ctrl-C with nothing running, on a pipe: stop, as a shell command would.
      rl.close();
      process.exit(130);
    }
    // Drop what is typed: the line (end, then delete to its start) and the lines before it.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    buffer.clear();
    write('^C\n');
    prompt();
  };
  rl.on('SIGINT', interrupt);
  // On a pipe readline sees no Ctrl-C key; the terminal sends the process SIGINT instead.
  process.on('SIGINT', interrupt);

  let exit = false;
  const runCommand = async (command: CliCommand): Promise<void> => {
    switch (command.kind) {
      case 'exit':
        exit = true;
        return;
      case 'help':
        write(HELP);
        return;
      case 'clear':
        write('\x1b[2J\x1b[3J\x1b[H');
        return;
      case 'output':
        if (command.format) session.format = command.format;
        write(`Output format: ${session.format.toUpperCase()}\n`);
        return;
      case 'server':
        if (command.url) {
          try {
            session.client = new KsqlRestClient(command.url);
          } catch (error) {
            write(`${(error as Error).message}\n`);
            return;
          }
          await banner(session, write);
        } else write(`Server: ${session.client.server}\n`);
        return;
    }
  };

  try {
    if (interactive) await banner(session, write);
    prompt();
    for await (const line of rl) {
      const command = buffer.pending ? undefined : cliCommand(line);
      if (command) await runCommand(command);
      else for (const statement of buffer.push(line)) await session.run(statement);
      if (exit) break;
      prompt();
    }
    // The input ended inside a statement: on a pipe that is its last statement.
    const rest = buffer.clear();
    if (!exit && !interactive && rest !== '') for (const statement of scriptStatements(rest)) await session.run(statement);
    if (interactive) write(exit ? 'Exiting.\n' : '\nExiting.\n');
  } finally {
    process.off('SIGINT', interrupt);
    rl.close();
  }
}

/** The first lines of an interactive session: where it is connected to. */
async function banner(session: Session, write: (text: string) => void): Promise<void> {
  let status: string;
  try {
    const info = await session.client.info();
    status = `server version ${info.version ?? 'unknown'}, status ${info.serverStatus ?? 'unknown'}`;
  } catch (error) {
    status = `not reachable: ${(error as Error).message}`;
  }
  write(`Freshet ksql CLI, server ${session.client.server} (${status})\nType 'help' for help, 'exit' or Ctrl-D to leave.\n\n`);
}
