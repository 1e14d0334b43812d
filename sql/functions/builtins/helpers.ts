/**
 * Small helpers the built-in function files share.
 */
import type { SqlType } from '../../types/sql-type.js';
import type { FunctionInfo, ScalarImpl, TypeContext, UdfDefinition, UdfSignature } from '../definitions.js';
import { FunctionInvocationError } from '../errors.js';
import type { ParamLike, ParamSpec } from '../definitions.js';
import type { ParamType } from '../param-types.js';

export function udf(info: FunctionInfo, signatures: readonly UdfSignature[]): UdfDefinition {
  return { ...info, signatures };
}

/** A named parameter, for DESCRIBE FUNCTION. */
export function param(name: string, type: ParamType, description = ''): ParamSpec {
  return { name, type, description };
}

/** A named variadic parameter. */
export function variadic(name: string, type: ParamType, description = ''): ParamSpec {
  return { name, type, description, variadic: true };
}

/** A signature whose implementation takes its arguments positionally; NULL in any gives NULL. */
export function strictSig(params: readonly ParamLike[], returns: ParamType | ((ctx: TypeContext) => SqlType), impl: ScalarImpl): UdfSignature {
  return { params, returns, impl, strict: true };
}

export function sig(params: readonly ParamLike[], returns: ParamType | ((ctx: TypeContext) => SqlType), impl: ScalarImpl): UdfSignature {
  return { params, returns, impl };
}

/** The first argument's type, for functions returning what they are given. */
export const sameAsFirst = (ctx: TypeContext): SqlType => ctx.paramTypes[0]!;

export function fail(message: string, cause?: unknown): never {
  throw new FunctionInvocationError(message, cause === undefined ? undefined : { cause });
}

/** Caches compiled things (regular expressions, date formats) by their source text. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity = 256) {}

  get(key: string, make: (key: string) => V): V {
    const found = this.map.get(key);
    if (found !== undefined) {
      this.map.delete(key);
      this.map.set(key, found);
      return found;
    }
    const made = make(key);
    this.map.set(key, made);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    return made;
  }
}
