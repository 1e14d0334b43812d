/**
 * Errors of function lookup, registration and invocation. Lookup messages are ksqlDB's, since
 * users (and its tests) match on them.
 */
import { FreshetError } from '../../storage/errors.js';

/** No function of that name: `Can't find any functions with the name 'FOO'`. */
export class UnknownFunctionError extends FreshetError {
  constructor(readonly functionName: string) {
    super('SQL_UNKNOWN_FUNCTION', `Can't find any functions with the name '${functionName}'`);
  }
}

/** The function exists but no signature takes these argument types. */
export class NoMatchingSignatureError extends FreshetError {
  constructor(functionName: string, args: string, alternatives: readonly string[]) {
    super(
      'SQL_FUNCTION_SIGNATURE',
      `Function '${functionName}' does not accept parameters ${args}.\nValid alternatives are:\n${alternatives.join('\n')}\nFor detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;`,
    );
  }
}

/** Several signatures take these argument types equally well. */
export class AmbiguousCallError extends FreshetError {
  constructor(functionName: string, args: string, alternatives: readonly string[]) {
    super(
      'SQL_FUNCTION_AMBIGUOUS',
      `Function '${functionName}' cannot be resolved due to ambiguous method parameters ${args}.\nUse CAST() to explicitly cast your parameters to one of the supported function calls.\nValid function calls are:\n${alternatives.join('\n')}\nFor detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;`,
    );
  }
}

/** An argument the signature constrains beyond its type (an aggregate's literal-only parameters). */
export class FunctionArgumentError extends FreshetError {
  constructor(message: string) {
    super('SQL_FUNCTION_ARGUMENT', message);
  }
}

/** A registration that clashes with what is registered, or is malformed. */
export class FunctionRegistrationError extends FreshetError {
  constructor(message: string) {
    super('SQL_FUNCTION_REGISTRATION', message);
  }
}

/**
 * A function failed on its input at run time (ksqlDB's KsqlFunctionException). A scalar call
 * that throws yields NULL and reports the error; an aggregate that throws stops the query.
 */
export class FunctionInvocationError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SQL_FUNCTION_ERROR', message, options);
  }
}
