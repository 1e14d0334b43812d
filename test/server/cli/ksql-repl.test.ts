/** The REPL's own commands and its history file. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyPath, loadHistory, saveHistory } from '../../../server/cli/ksql/history.js';
import { cliCommand } from '../../../server/cli/ksql/repl.js';
import { tempDir } from '../../helpers/tmp.js';

describe('cliCommand', () => {
  it('knows the commands, with or without a semicolon, in any case', () => {
    expect(cliCommand('exit')).toEqual({ kind: 'exit' });
    expect(cliCommand('  QUIT; ')).toEqual({ kind: 'exit' });
    expect(cliCommand('help')).toEqual({ kind: 'help' });
    expect(cliCommand('clear')).toEqual({ kind: 'clear' });
    expect(cliCommand('output JSON')).toEqual({ kind: 'output', format: 'json' });
    expect(cliCommand('output')).toEqual({ kind: 'output' });
    expect(cliCommand('server http://h:8088')).toEqual({ kind: 'server', url: 'http://h:8088' });
  });

  it('leaves statements alone', () => {
    expect(cliCommand('exit now')).toBeUndefined();
    expect(cliCommand('output xml')).toBeUndefined();
    expect(cliCommand('SHOW STREAMS;')).toBeUndefined();
    expect(cliCommand('help me')).toBeUndefined();
  });
});

describe('history file', () => {
  it('is $FRESHET_HISTORY, else ~/.freshet_history', () => {
    expect(historyPath({ FRESHET_HISTORY: '/x/h' })).toBe('/x/h');
    expect(historyPath({})).toMatch(/\.freshet_history$/);
  });

  it('saves readline entries oldest first and loads them back newest first', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'sub', 'history');
      expect(loadHistory(path)).toEqual([]);
      expect(saveHistory(path, ['SHOW TABLES;', 'SHOW STREAMS;'])).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe('SHOW STREAMS;\nSHOW TABLES;\n');
      expect(loadHistory(path)).toEqual(['SHOW TABLES;', 'SHOW STREAMS;']);
    } finally {
      cleanup();
    }
  });
});
