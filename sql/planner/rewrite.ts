/**
 * Expression tree rewriting: `rewrite(e, f)` rebuilds the tree bottom-up only where `f` replaces
 * a node (parents first: a replaced node's children are not visited).
 */
import type { Expression } from '../ast/expressions.js';

export type Replacer = (e: Expression) => Expression | undefined;

export function rewrite(e: Expression, f: Replacer): Expression {
  const replaced = f(e);
  if (replaced !== undefined) return replaced;
  const r = (x: Expression): Expression => rewrite(x, f);
  switch (e.kind) {
    case 'Dereference':
      return { ...e, base: r(e.base) };
    case 'Subscript':
      return { ...e, base: r(e.base), index: r(e.index) };
    case 'ArithmeticBinary':
    case 'Concatenation':
    case 'Comparison':
    case 'LogicalBinary':
      return { ...e, left: r(e.left), right: r(e.right) } as Expression;
    case 'ArithmeticUnary':
    case 'Not':
    case 'IsNull':
      return { ...e, operand: r(e.operand) } as Expression;
    case 'Like':
      return { ...e, value: r(e.value), pattern: r(e.pattern) };
    case 'Between':
      return { ...e, value: r(e.value), lower: r(e.lower), upper: r(e.upper) };
    case 'InList':
      return { ...e, value: r(e.value), list: e.list.map(r) };
    case 'FunctionCall':
      return { ...e, args: e.args.map(r) };
    case 'Lambda':
      return { ...e, body: r(e.body) };
    case 'Cast':
      return { ...e, expression: r(e.expression) };
    case 'SearchedCase':
      return { ...e, whenClauses: e.whenClauses.map((w) => ({ ...w, when: r(w.when), then: r(w.then) })), ...(e.else ? { else: r(e.else) } : {}) };
    case 'SimpleCase':
      return {
        ...e,
        operand: r(e.operand),
        whenClauses: e.whenClauses.map((w) => ({ ...w, when: r(w.when), then: r(w.then) })),
        ...(e.else ? { else: r(e.else) } : {}),
      };
    case 'ArrayConstructor':
      return { ...e, elements: e.elements.map(r) };
    case 'MapConstructor':
      return { ...e, entries: e.entries.map((x) => ({ key: r(x.key), value: r(x.value) })) };
    case 'StructConstructor':
      return { ...e, fields: e.fields.map((x) => ({ ...x, value: r(x.value) })) };
    default:
      return e;
  }
}

/** Every node of the tree, parents first, not descending into lambdas' parameters' scopes differently. */
export function nodesOf(e: Expression): Expression[] {
  const out: Expression[] = [];
  rewrite(e, (x) => {
    out.push(x);
    return undefined;
  });
  return out;
}
