// Which SQL errors a transaction may retry whole: serialization failures and deadlocks.

const RETRYABLE = new Set(['40001', '40P01']);

/** True for SQLSTATE 40001 (serialization_failure) and 40P01 (deadlock_detected). */
export function isRetryableSqlError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
