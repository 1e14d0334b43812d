/**
 * The REPL's history file: one entry per line, oldest first (as a shell's), read into
 * readline's list (newest first) at start and written back as it changes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const HISTORY_SIZE = 1000;

/** $FRESHET_HISTORY, else ~/.freshet_history. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRESHET_HISTORY || join(homedir(), '.freshet_history');
}

/** The saved entries, newest first; none when the file is missing or unreadable. */
export function loadHistory(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .reverse()
    .slice(0, HISTORY_SIZE);
}

/** Writes readline's entries (newest first). A history that cannot be saved is not worth failing over. */
export function saveHistory(path: string, entries: readonly string[]): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const lines = entries.slice(0, HISTORY_SIZE).filter((e) => e.trim() !== '').reverse();
    writeFileSync(path, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
