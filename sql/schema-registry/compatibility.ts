/**
 * Compatibility levels (Confluent's): which earlier versions a new schema is checked against,
 * and in which direction.
 *
 *   BACKWARD            the new schema reads data written with the latest version
 *   FORWARD             the latest version reads data written with the new schema
 *   FULL                both
 *   *_TRANSITIVE        the same against every (not deleted) version, not only the latest
 *   NONE                no checks
 */
import { SchemaRegistryError } from './errors.js';
import { readIncompatibilities, type ParsedSchema } from './parsed-schema.js';

export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function parseCompatibilityLevel(text: string): CompatibilityLevel {
  const level = text.toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) {
    throw new SchemaRegistryError(
      'INVALID_COMPATIBILITY_LEVEL',
      'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
    );
  }
  return level;
}

/**
 * Why `candidate` may not follow `previous` (oldest first) under `level`; empty when it may.
 * Messages name the version they conflict with.
 */
export function compatibilityProblems(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: readonly { readonly version: number; readonly schema: ParsedSchema }[],
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const { version, schema } of against) {
    if (backward) for (const p of readIncompatibilities(candidate, schema)) problems.push(`${p} (the new schema cannot read data written with version ${version})`);
    if (forward) for (const p of readIncompatibilities(schema, candidate)) problems.push(`${p} (version ${version} cannot read data written with the new schema)`);
  }
  return problems;
}
