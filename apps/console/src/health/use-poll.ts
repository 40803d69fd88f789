// Polls an async loader every few seconds while mounted (and immediately on mount), keeping the last value and error.
import { useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  readonly value: T | undefined;
  readonly error: Error | undefined;
  readonly updatedAt: number | undefined;
}

/**
 * @example const status = usePoll(() => api<Status>('/api/platform/status'), 5000)
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ value: undefined, error: undefined, updatedAt: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctrl = new AbortController();
    let timer: number | undefined;
    const tick = async () => {
      try {
        const value = await loadRef.current(ctrl.signal);
        setState({ value, error: undefined, updatedAt: Date.now() });
      } catch (err) {
        if (ctrl.signal.aborted) return;
        setState((s) => ({ ...s, error: err as Error }));
      }
      // the next poll starts after this one ended, so a slow server never gets requests piling up
      if (!ctrl.signal.aborted) timer = window.setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [intervalMs]);
  return state;
}
