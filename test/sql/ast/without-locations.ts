/**
 * ASTs compared by shape: `loc` removed everywhere, so a tree built from `a+b` equals one built
 * from `a + b`, and a printed-then-parsed tree equals the original.
 */
export function withoutLocations<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutLocations) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([key]) => key !== 'loc');
    return Object.fromEntries(entries.map(([key, item]) => [key, withoutLocations(item)])) as T;
  }
  return value;
}
