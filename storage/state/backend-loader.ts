/**
 * Loads the persistent engines and picks one per store directory. The native modules are
 * loaded on first use, inside try/catch, so a machine where one engine's binary does not load
 * still runs new stores on the other. Which engine a directory holds is read from its files (RocksDB always writes
 * OPTIONS-* files, LevelDB never does), so `auto` reopens a directory with the engine that wrote it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openLevelDb } from './leveldb-backend.js';
import { DEFAULT_BACKEND, type BackendChoice, type BackendKind, type BackendOpener } from './persistent-backend.js';
import { openRocksDb } from './rocksdb-backend.js';
import { describeError, StateStoreError } from './state-errors.js';

/** How each engine module is loaded (tests replace one to see the fallback). */
export interface BackendLoaders {
  rocksdb: () => BackendOpener;
  leveldb: () => BackendOpener;
}

const require = createRequire(import.meta.url);

export const defaultLoaders: BackendLoaders = {
  rocksdb: () => {
    const mod = require('@nxtedition/rocksdb') as unknown;
    return (o) => openRocksDb(mod, o);
  },
  leveldb: () => {
    const mod = require('classic-level') as unknown;
    return (o) => openLevelDb(mod, o);
  },
};

const loaded = new Map<BackendKind, BackendOpener | Error>();

function load(kind: BackendKind, loaders: BackendLoaders): BackendOpener | Error {
  if (loaders !== defaultLoaders) return attempt(() => loaders[kind]());
  let hit = loaded.get(kind);
  if (hit === undefined) {
    hit = attempt(() => loaders[kind]());
    loaded.set(kind, hit);
  }
  return hit;
}

function attempt(f: () => BackendOpener): BackendOpener | Error {
  try {
    return f();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The engine that wrote `dir`, or null when the directory holds no database yet. */
export function detectBackend(dir: string): BackendKind | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir);
  if (!files.includes('CURRENT')) return null;
  return files.some((f) => f.startsWith('OPTIONS-')) ? 'rocksdb' : 'leveldb';
}

/** Picks the engine for a store directory and returns its opener. */
export function resolveBackend(choice: BackendChoice, dir: string, storeName: string, loaders: BackendLoaders = defaultLoaders): { kind: BackendKind; open: BackendOpener } {
  const existing = detectBackend(dir);
  if (choice !== 'auto' && existing !== null && existing !== choice) {
    throw new StateStoreError(
      'STATE_STORE_INVALID_CONFIG',
      `State store '${storeName}' is configured for ${choice} but ${dir} holds a ${existing} database: ` +
        `open it with backend '${existing}' (or 'auto'), or delete the directory so the store is rebuilt from its changelog.`,
    );
  }
  const wanted: BackendKind = choice !== 'auto' ? choice : (existing ?? DEFAULT_BACKEND);
  const opener = load(wanted, loaders);
  if (!(opener instanceof Error)) return { kind: wanted, open: opener };
  if (choice === 'auto' && existing === null) {
    const other: BackendKind = wanted === 'rocksdb' ? 'leveldb' : 'rocksdb';
    const fallback = load(other, loaders);
    if (!(fallback instanceof Error)) return { kind: other, open: fallback };
  }
  throw new StateStoreError(
    'STATE_STORE_BACKEND_UNAVAILABLE',
    `State store '${storeName}' needs ${wanted}, whose native module does not load here (${describeError(opener)}). ` +
      (wanted === 'rocksdb'
        ? "Install @nxtedition/rocksdb with a prebuild for this platform (linux-x64, darwin-arm64), or use backend 'leveldb' (classic-level)."
        : "Reinstall classic-level (npm ci) so its prebuild for this platform is present, or use backend 'rocksdb'."),
    { cause: opener },
  );
}
