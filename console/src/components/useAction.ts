/** Runs one user action and tracks its progress and outcome, so every button can show both. */
import { useCallback, useRef, useState } from "react";

export type ActionState<R> = {
  busy: boolean;
  error: unknown;
  result: R | undefined;
  done: boolean;
};

export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [state, setState] = useState<ActionState<R>>({
    busy: false,
    error: null,
    result: undefined,
    done: false,
  });
  const latest = useRef(fn);
  latest.current = fn;
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setState({ busy: true, error: null, result: undefined, done: false });
    try {
      const result = await latest.current(...args);
      setState({ busy: false, error: null, result, done: true });
      return result;
    } catch (error) {
      setState({ busy: false, error, result: undefined, done: false });
      return undefined;
    }
  }, []);
  const reset = useCallback(() => setState({ busy: false, error: null, result: undefined, done: false }), []);
  return { ...state, run, reset };
}
