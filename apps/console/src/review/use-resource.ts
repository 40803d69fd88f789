// A REST resource the page reloads on demand (after an action, on a live event): the latest answer wins, earlier ones are aborted.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';

export interface Resource<T> {
  readonly value: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads `load` on mount and on every `reload()`.
 * @example const rules = useResource(fraudRules); ... rules.reload()
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const { expired } = useSession();
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const current = useRef<AbortController | null>(null);

  const reload = useCallback(() => {
    current.current?.abort();
    const ctrl = new AbortController();
    current.current = ctrl;
    setLoading(true);
    load(ctrl.signal)
      .then((v) => {
        if (ctrl.signal.aborted) return;
        setValue(v);
        setError(null);
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted || (err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 401) expired();
        setError(errorText(err));
      })
      .finally(() => {
        if (current.current === ctrl) setLoading(false);
      });
  }, [load, expired]);

  useEffect(() => {
    reload();
    return () => current.current?.abort();
  }, [reload]);

  return { value, error, loading, reload };
}
