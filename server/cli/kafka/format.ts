/** Numbers as the Kafka commands print them. */

/** `1,234` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `3 records` */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Bytes as a person reads them: `512 bytes`, `12.3 kB`, `4.5 MB` (powers of 1000). */
export function formatBytes(n: number): string {
  if (n < 10_000) return plural(n, 'byte');
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}
