// Stream positions: Kafka offsets and embedded-log positions, ordered the same way.

/**
 * Orders two positions of one partition: Kafka offsets (`42`, `-1` before the first) and embedded-log positions
 * (`<txid>:<id>`) both compare part by part as integers. Runs per pushed message and subscriber, so it compares
 * digit strings by length, then text, instead of parsing them.
 * @example comparePositions('10:3', '9:7') // 1
 */
export function comparePositions(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    const ei = a.indexOf(':', i);
    const ej = b.indexOf(':', j);
    const c = compareInts(a.slice(i, ei < 0 ? a.length : ei), b.slice(j, ej < 0 ? b.length : ej));
    if (c !== 0) return c;
    if (ei < 0 && ej < 0) return 0;
    if (ei < 0) return /[1-9]/.test(b.slice(ej + 1)) ? -1 : 0; // a missing part counts as 0
    if (ej < 0) return /[1-9]/.test(a.slice(ei + 1)) ? 1 : 0;
    i = ei + 1;
    j = ej + 1;
  }
}

function compareInts(x: string, y: string): number {
  const nx = x.startsWith('-');
  const ny = y.startsWith('-');
  if (nx || ny) {
    if (nx && ny) return -compareInts(x.slice(1), y.slice(1));
    return nx ? (isZero(y) && isZero(x.slice(1)) ? 0 : -1) : isZero(x) && isZero(y.slice(1)) ? 0 : 1;
  }
  x = stripZeros(x);
  y = stripZeros(y);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

const stripZeros = (s: string) => s.replace(/^0+(?=\d)/, '');
const isZero = (s: string) => /^0*$/.test(s);

/** True for a string `comparePositions` accepts: an integer (may be -1), or two non-negative integers joined by `:`. */
export function isPosition(s: string): boolean {
  return /^(-1|\d{1,20})$/.test(s) || /^\d{1,20}:\d{1,20}$/.test(s);
}
