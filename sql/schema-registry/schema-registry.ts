/**
 * The embedded schema registry: Confluent Schema Registry's model and rules, in process.
 *
 * - A subject holds numbered versions; each version is a schema with a global id. The same
 *   schema (see parsed-schema.ts for "same") always has the same id, in any subject, and
 *   registering it again under a subject that holds it returns its id without a new version.
 * - A new version must be compatible with earlier ones as the subject's compatibility level
 *   (else the global one, BACKWARD by default) says.
 * - Deletes are soft first (the version is hidden but its id still resolves), then permanent;
 *   a version other schemas reference cannot be soft deleted.
 *
 * State lives in memory and in a SchemaStore (store.ts): every change is appended to the store
 * before it is applied, and opening replays the store. Changes run one at a time; reads are
 * synchronous from memory (the `...Sync` methods and `peekById`), which is what lets serdes
 * decode records without waiting.
 *
 * Errors are SchemaRegistryErrors with Confluent's codes, for the REST layer to pass on.
 */
import { schemaInput, type ResolvedSchema, type SchemaDefinition, type SchemaInput, type SchemaReference, type SchemaRegistryClient, type SchemaType, type SubjectVersion } from './client.js';
import { compatibilityProblems, DEFAULT_COMPATIBILITY, parseCompatibilityLevel, type CompatibilityLevel } from './compatibility.js';
import { SchemaRegistryError } from './errors.js';
import { parseSchema, type ParsedSchema, type ReferencedSchemas } from './parsed-schema.js';
import { configKey, schemaKey, type SchemaStore, type SchemaValue, type StoreRecord } from './store.js';

export interface SchemaRegistryOptions {
  /** The global compatibility level until one is set. Default BACKWARD. */
  readonly defaultCompatibility?: CompatibilityLevel;
}

interface VersionEntry extends SchemaValue {
  readonly schemaType: SchemaType;
}

/** `latest` (or -1, as the REST API allows) or a version number. */
export type VersionSpec = number | 'latest';

export class SchemaRegistry implements SchemaRegistryClient {
  private readonly subjects = new Map<string, Map<number, VersionEntry>>();
  /** Every version using each id, deleted ones included. */
  private readonly byId = new Map<number, Set<VersionEntry>>();
  private readonly idByIdentity = new Map<string, number>();
  private readonly parsedById = new Map<number, ParsedSchema>();
  private readonly configs = new Map<string | null, CompatibilityLevel>();
  private maxId = 0;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: SchemaStore,
    private readonly defaultCompatibility: CompatibilityLevel,
  ) {}

  /** Opens a registry on a store, replaying what it holds. */
  static async open(store: SchemaStore, options: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
    const registry = new SchemaRegistry(store, options.defaultCompatibility ?? DEFAULT_COMPATIBILITY);
    for (const record of await store.load()) registry.apply(record);
    return registry;
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.store.close();
  }

  // ---- registration and lookup ------------------------------------------------------------

  /**
   * Registers a schema under a subject and returns its id (POST /subjects/{subject}/versions).
   * `options.id` imports it under a given id (Confluent's IMPORT mode, as when copying a
   * registry): the id must be free or already hold the same schema.
   */
  register(subject: string, schema: string | SchemaInput, options: { id?: number } = {}): Promise<number> {
    return this.exclusive(async () => {
      checkSubject(subject);
      const input = schemaInput(schema);
      const parsed = this.parse(input.schemaType, input.schema, input.references);
      const live = this.liveVersions(subject);
      const same = live.find((v) => this.identityOf(v) === parsed.identity);
      if (same) return same.id;
      const level = this.compatibilityFor(subject);
      const problems = compatibilityProblems(level, parsed, live.map((v) => ({ version: v.version, schema: this.parsedOf(v) })));
      if (problems.length > 0) {
        throw new SchemaRegistryError(
          'INCOMPATIBLE_SCHEMA',
          `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join(', ')}]`,
        );
      }
      const known = this.idByIdentity.get(parsed.identity);
      if (options.id !== undefined && known !== undefined && known !== options.id) {
        throw new SchemaRegistryError('OPERATION_NOT_PERMITTED', `Cannot import the schema with id ${options.id}: it is already registered with id ${known}.`);
      }
      if (options.id !== undefined && known === undefined && this.byId.has(options.id)) {
        throw new SchemaRegistryError('OPERATION_NOT_PERMITTED', `Cannot import a schema with id ${options.id}: another schema has that id.`);
      }
      const id = options.id ?? known ?? this.maxId + 1;
      const version = Math.max(0, ...(this.subjects.get(subject)?.keys() ?? [])) + 1;
      const record: StoreRecord = {
        key: schemaKey(subject, version),
        value: { subject, version, id, schemaType: input.schemaType, references: input.references, schema: parsed.text, deleted: false },
      };
      await this.append(record, parsed);
      return id;
    });
  }

  /** The version of `subject` holding this schema (POST /subjects/{subject}); throws 40401/40403. */
  async lookupSchema(subject: string, schema: string | SchemaInput, options: { deleted?: boolean } = {}): Promise<SubjectVersion> {
    const input = schemaInput(schema);
    const parsed = this.parse(input.schemaType, input.schema, input.references);
    const versions = this.versionsOf(subject, options.deleted ?? false);
    const found = versions.find((v) => this.identityOf(v) === parsed.identity);
    if (!found) throw new SchemaRegistryError('SCHEMA_NOT_FOUND', 'Schema not found');
    return view(found);
  }

  async lookup(subject: string, schema: string | SchemaInput): Promise<SubjectVersion | null> {
    try {
      return await this.lookupSchema(subject, schema);
    } catch (err) {
      if (err instanceof SchemaRegistryError && (err.code === 'SUBJECT_NOT_FOUND' || err.code === 'SCHEMA_NOT_FOUND')) return null;
      throw err;
    }
  }

  async getById(id: number): Promise<ResolvedSchema> {
    return this.getByIdSync(id);
  }

  /** The schema with this id (GET /schemas/ids/{id}); throws 40403. Soft-deleted versions still count. */
  getByIdSync(id: number): ResolvedSchema {
    const found = this.peekById(id);
    if (!found) throw new SchemaRegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`);
    return found;
  }

  peekById(id: number): ResolvedSchema | undefined {
    const entry = first(this.byId.get(id));
    if (!entry) return undefined;
    let referenced: ReferencedSchemas;
    try {
      referenced = this.resolveReferences(entry.references);
    } catch {
      referenced = new Map();
    }
    return { id, schema: entry.schema, schemaType: entry.schemaType, references: entry.references, referenced };
  }

  /** Subjects and versions using an id (GET /schemas/ids/{id}/versions). */
  getVersionsById(id: number, options: { deleted?: boolean } = {}): { subject: string; version: number }[] {
    const entries = [...(this.byId.get(id) ?? [])].filter((e) => options.deleted || !e.deleted);
    if (entries.length === 0 && !this.byId.has(id)) throw new SchemaRegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`);
    return entries.map((e) => ({ subject: e.subject, version: e.version })).sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  /** GET /schemas/ids/{id}/subjects. */
  getSubjectsById(id: number, options: { deleted?: boolean } = {}): string[] {
    return [...new Set(this.getVersionsById(id, options).map((v) => v.subject))];
  }

  // ---- subjects and versions ----------------------------------------------------------------

  async getLatest(subject: string): Promise<SubjectVersion | null> {
    const live = this.liveVersions(subject);
    const latest = live[live.length - 1];
    return latest ? view(latest) : null;
  }

  async getVersion(subject: string, version: VersionSpec, options: { deleted?: boolean } = {}): Promise<SubjectVersion> {
    return this.getVersionSync(subject, version, options);
  }

  /** GET /subjects/{subject}/versions/{version}; throws 40401, 40402, 42202. */
  getVersionSync(subject: string, version: VersionSpec, options: { deleted?: boolean } = {}): SubjectVersion {
    const spec = checkVersion(version);
    const versions = this.versionsOf(subject, options.deleted ?? false);
    const found = spec === 'latest' ? versions[versions.length - 1] : versions.find((v) => v.version === spec);
    if (!found) throw new SchemaRegistryError('VERSION_NOT_FOUND', `Version ${String(version)} not found.`);
    return view(found);
  }

  /** GET /subjects/{subject}/versions; throws 40401. */
  listVersions(subject: string, options: { deleted?: boolean } = {}): number[] {
    return this.versionsOf(subject, options.deleted ?? false).map((v) => v.version);
  }

  /** GET /subjects: subjects with a live version (or any, with `deleted`), sorted. */
  listSubjects(options: { deleted?: boolean; prefix?: string } = {}): string[] {
    return [...this.subjects.keys()]
      .filter((s) => (options.prefix === undefined || s.startsWith(options.prefix)) && (options.deleted ? this.subjects.get(s)!.size > 0 : this.liveVersions(s).length > 0))
      .sort();
  }

  /** Versions of other schemas referencing this one (GET .../versions/{v}/referencedby), as ids. */
  getReferencedBy(subject: string, version: VersionSpec): number[] {
    const target = this.getVersionSync(subject, version);
    const ids = new Set<number>();
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === target.version)) ids.add(v.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** DELETE /subjects/{subject}[?permanent=true]; returns the versions deleted. */
  deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    return this.exclusive(async () => {
      const all = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
      if (all.length === 0) throw subjectNotFound(subject);
      if (!options.permanent) {
        const live = all.filter((v) => !v.deleted);
        if (live.length === 0) {
          throw new SchemaRegistryError('SUBJECT_SOFT_DELETED', `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`);
        }
        for (const v of live) this.checkNotReferenced(v);
        for (const v of live) await this.append({ key: schemaKey(subject, v.version), value: { ...v, deleted: true } });
        return live.map((v) => v.version);
      }
      if (all.some((v) => !v.deleted)) {
        throw new SchemaRegistryError('SUBJECT_NOT_SOFT_DELETED', `Subject '${subject}' was not deleted first before being permanently deleted`);
      }
      for (const v of all) await this.append({ key: schemaKey(subject, v.version), value: null });
      if (this.configs.has(subject)) await this.append({ key: configKey(subject), value: null });
      return all.map((v) => v.version);
    });
  }

  /** DELETE /subjects/{subject}/versions/{version}[?permanent=true]; returns the version deleted. */
  deleteVersion(subject: string, version: VersionSpec, options: { permanent?: boolean } = {}): Promise<number> {
    return this.exclusive(async () => {
      const spec = checkVersion(version);
      const all = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
      if (all.length === 0) throw subjectNotFound(subject);
      const candidates = options.permanent ? all : all.filter((v) => !v.deleted);
      const entry = spec === 'latest' ? candidates[candidates.length - 1] : all.find((v) => v.version === spec);
      if (!entry) throw new SchemaRegistryError('VERSION_NOT_FOUND', `Version ${String(version)} not found.`);
      if (!options.permanent) {
        if (entry.deleted) {
          throw new SchemaRegistryError('SCHEMA_VERSION_SOFT_DELETED', `Subject '${subject}' Version ${entry.version} was soft deleted. Set permanent=true to delete permanently`);
        }
        this.checkNotReferenced(entry);
        await this.append({ key: schemaKey(subject, entry.version), value: { ...entry, deleted: true } });
      } else {
        if (!entry.deleted) {
          throw new SchemaRegistryError('SCHEMA_VERSION_NOT_SOFT_DELETED', `Subject '${subject}' Version ${entry.version} was not deleted first before being permanently deleted`);
        }
        await this.append({ key: schemaKey(subject, entry.version), value: null });
      }
      return entry.version;
    });
  }

  // ---- compatibility --------------------------------------------------------------------------

  /**
   * GET /config[/{subject}]: the global level, or the subject's own; with `defaultToGlobal`, the
   * global level when the subject has none (else 40408).
   */
  getCompatibility(subject?: string, options: { defaultToGlobal?: boolean } = {}): CompatibilityLevel {
    const global = this.configs.get(null) ?? this.defaultCompatibility;
    if (subject === undefined) return global;
    const own = this.configs.get(subject);
    if (own !== undefined) return own;
    if (options.defaultToGlobal) return global;
    throw new SchemaRegistryError('SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED', `Subject '${subject}' does not have subject-level compatibility configured`);
  }

  /** PUT /config[/{subject}]. */
  setCompatibility(level: CompatibilityLevel | string, subject?: string): Promise<CompatibilityLevel> {
    const parsed = parseCompatibilityLevel(level);
    return this.exclusive(async () => {
      await this.append({ key: configKey(subject ?? null), value: { compatibilityLevel: parsed } });
      return parsed;
    });
  }

  /** DELETE /config[/{subject}]: back to the global level (or, globally, to the default). */
  deleteCompatibility(subject?: string): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      const previous = this.getCompatibility(subject);
      await this.append({ key: configKey(subject ?? null), value: null });
      return previous;
    });
  }

  /**
   * POST /compatibility/subjects/{subject}/versions[/{version}]: whether the schema could be
   * registered. With a version, only that version is checked; without, the versions the
   * subject's level checks.
   */
  async testCompatibility(subject: string, schema: string | SchemaInput, options: { version?: VersionSpec } = {}): Promise<{ isCompatible: boolean; messages: string[] }> {
    const input = schemaInput(schema);
    const parsed = this.parse(input.schemaType, input.schema, input.references);
    let previous = this.liveVersions(subject);
    if (options.version !== undefined) {
      const target = this.getVersionSync(subject, options.version);
      previous = previous.filter((v) => v.version === target.version);
    }
    const messages = compatibilityProblems(this.compatibilityFor(subject), parsed, previous.map((v) => ({ version: v.version, schema: this.parsedOf(v) })));
    return { isCompatible: messages.length === 0, messages };
  }

  // ---- internals ------------------------------------------------------------------------------

  private compatibilityFor(subject: string): CompatibilityLevel {
    return this.getCompatibility(subject, { defaultToGlobal: true });
  }

  private parse(schemaType: SchemaType, text: string, references: readonly SchemaReference[]): ParsedSchema {
    return parseSchema(schemaType, text, references, this.resolveReferences(references));
  }

  /** Referenced schemas by reference name, following their own references. */
  private resolveReferences(references: readonly SchemaReference[], out = new Map<string, SchemaDefinition>(), depth = 0): Map<string, SchemaDefinition> {
    if (depth > 32) throw new SchemaRegistryError('INVALID_SCHEMA', 'Schema references nest too deeply (or form a cycle).');
    for (const ref of references) {
      const entry = this.subjects.get(ref.subject)?.get(ref.version);
      if (!entry) throw new SchemaRegistryError('INVALID_SCHEMA', `Invalid schema: the reference ${ref.name} to subject '${ref.subject}' version ${ref.version} does not exist.`);
      this.resolveReferences(entry.references, out, depth + 1);
      out.set(ref.name, { schema: entry.schema, schemaType: entry.schemaType, references: entry.references });
    }
    return out;
  }

  private parsedOf(entry: VersionEntry): ParsedSchema {
    let parsed = this.parsedById.get(entry.id);
    if (!parsed) {
      parsed = this.parse(entry.schemaType, entry.schema, entry.references);
      this.parsedById.set(entry.id, parsed);
    }
    return parsed;
  }

  private identityOf(entry: VersionEntry): string {
    return this.parsedOf(entry).identity;
  }

  private liveVersions(subject: string): VersionEntry[] {
    return [...(this.subjects.get(subject)?.values() ?? [])].filter((v) => !v.deleted).sort((a, b) => a.version - b.version);
  }

  /** Versions of a subject (live, or all with `deleted`); throws 40401 when there are none. */
  private versionsOf(subject: string, deleted: boolean): VersionEntry[] {
    const versions = deleted ? [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version) : this.liveVersions(subject);
    if (versions.length === 0) throw subjectNotFound(subject);
    return versions;
  }

  private checkNotReferenced(entry: VersionEntry): void {
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references.some((r) => r.subject === entry.subject && r.version === entry.version)) {
          throw new SchemaRegistryError('REFERENCE_EXISTS', `One or more references exist to the schema {subject=${entry.subject},version=${entry.version}}.`);
        }
      }
    }
  }

  private async append(record: StoreRecord, parsed?: ParsedSchema): Promise<void> {
    try {
      await this.store.append(record);
    } catch (err) {
      throw new SchemaRegistryError('STORE_ERROR', `Error in the backend data store: ${(err as Error).message}`, { cause: err });
    }
    this.apply(record, parsed);
  }

  /** Folds one store record into the state (at open and after each append). */
  private apply(record: StoreRecord, parsed?: ParsedSchema): void {
    if (record.key.keytype === 'CONFIG') {
      const value = record.value as { compatibilityLevel: CompatibilityLevel } | null;
      if (value === null) this.configs.delete(record.key.subject);
      else this.configs.set(record.key.subject, value.compatibilityLevel);
      return;
    }
    const { subject, version } = record.key;
    const versions = this.subjects.get(subject) ?? new Map<number, VersionEntry>();
    const old = versions.get(version);
    if (old) this.byId.get(old.id)?.delete(old);
    const value = record.value as SchemaValue | null;
    if (value === null) {
      versions.delete(version);
      if (old && (this.byId.get(old.id)?.size ?? 0) === 0) {
        this.byId.delete(old.id);
        for (const [identity, id] of this.idByIdentity) if (id === old.id) this.idByIdentity.delete(identity);
        this.parsedById.delete(old.id);
      }
    } else {
      const entry: VersionEntry = { ...value, schemaType: value.schemaType ?? 'AVRO' };
      if (parsed && !this.parsedById.has(entry.id)) this.parsedById.set(entry.id, parsed);
      versions.set(version, entry);
      const users = this.byId.get(entry.id) ?? new Set<VersionEntry>();
      users.add(entry);
      this.byId.set(entry.id, users);
      this.maxId = Math.max(this.maxId, entry.id);
      try {
        this.idByIdentity.set(this.identityOf(entry), entry.id);
      } catch {
        // A schema that no longer parses (its references were deleted) keeps its id but cannot be matched.
      }
    }
    if (versions.size === 0) this.subjects.delete(subject);
    else this.subjects.set(subject, versions);
  }

  /** Runs changes one after another, so ids and versions are allocated without races. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function view(entry: VersionEntry): SubjectVersion {
  return { subject: entry.subject, version: entry.version, id: entry.id, schema: entry.schema, schemaType: entry.schemaType, references: entry.references };
}

function first<T>(set: Set<T> | undefined): T | undefined {
  if (!set) return undefined;
  for (const v of set) return v;
  return undefined;
}

function subjectNotFound(subject: string): SchemaRegistryError {
  return new SchemaRegistryError('SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`);
}

function checkSubject(subject: string): void {
  if (typeof subject !== 'string' || subject.length === 0) throw new SchemaRegistryError('INVALID_SCHEMA', 'A subject name cannot be empty.');
}

function checkVersion(version: VersionSpec): number | 'latest' {
  if (version === 'latest' || version === -1) return 'latest';
  if (!Number.isInteger(version) || version < 1 || version > 2147483647) {
    throw new SchemaRegistryError(
      'INVALID_VERSION',
      `The specified version '${String(version)}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    );
  }
  return version;
}
