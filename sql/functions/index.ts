/**
 * Functions for SQL: the registry, ksqlDB's built-in library, and the API for users' own
 * TypeScript functions.
 *
 *   import { registerUdf, P } from 'freshet/sql/functions';
 *   registerUdf({
 *     name: 'multiply', description: 'Multiplies two numbers.', category: 'MATHEMATICAL',
 *     signatures: [{ params: [P.BIGINT, P.BIGINT], returns: P.BIGINT, strict: true, impl: ([a, b]) => (a as bigint) * (b as bigint) }],
 *   });
 */
import type { UdafDefinition, UdfDefinition, UdtfDefinition } from './definitions.js';
import { registerBuiltins } from './builtins/index.js';
import { FunctionRegistry, type FunctionRegistryOptions } from './registry.js';

export * from './definitions.js';
export * from './errors.js';
export { P, type ArgType, type LambdaArg, type ParamType } from './param-types.js';
export { FunctionRegistry, type FunctionRegistryOptions } from './registry.js';

/** A registry holding the built-in functions, for one engine instance. */
export function createFunctionRegistry(options: FunctionRegistryOptions = {}): FunctionRegistry {
  const registry = new FunctionRegistry(options);
  registerBuiltins(registry);
  return registry;
}

let shared: FunctionRegistry | undefined;

/** The process-wide registry: built-ins plus whatever `registerUdf` and friends added. */
export function defaultFunctionRegistry(): FunctionRegistry {
  shared ??= createFunctionRegistry();
  return shared;
}

/** Adds a user's scalar function (or more signatures to one) to the process-wide registry. */
export function registerUdf(def: UdfDefinition): void {
  defaultFunctionRegistry().registerUdf(def);
}

/** Adds a user's aggregate function to the process-wide registry. */
export function registerUdaf(def: UdafDefinition): void {
  defaultFunctionRegistry().registerUdaf(def);
}

/** Adds a user's table function to the process-wide registry. */
export function registerUdtf(def: UdtfDefinition): void {
  defaultFunctionRegistry().registerUdtf(def);
}
