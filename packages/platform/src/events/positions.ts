// Stream positions: Kafka offsets and embedded-log positions, ordered the same way.

/**
 * Orders two positions of one partition: Kafka offsets (`42`) and embedded-log positions (`<txid>:<id>`)
 * both compare part by part as integers.
 * @example comparePositions('10:3', '9:7') // 1
 */
export function comparePositions(a: string, b: string): number {
  const pa = a.split(':');
  const pb = b.split(':');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = BigInt(pa[i] ?? '0');
    const y = BigInt(pb[i] ?? '0');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** True for a string `comparePositions` accepts: an integer (may be -1), or two non-negative integers joined by `:`. */
export function isPosition(s: string): boolean {
  return /^(-1|\d{1,20})$/.test(s) || /^\d{1,20}:\d{1,20}$/.test(s);
}
