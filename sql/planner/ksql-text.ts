/** Expressions as ksqlDB's messages print them (binary operations in parentheses). */
import type { Expression } from '../ast/expressions.js';
import { formatExpressionForMessage } from '../ast/format-expression.js';

export function ksqlExpressionText(e: Expression): string {
  return formatExpressionForMessage(e);
}
