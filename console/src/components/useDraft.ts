/** What a person is editing in a form: seeded from the record it edits, then theirs.
 *
 * Every editing screen shows its form only once the record it edits has loaded ("Loading…" until
 * then, announced to screen readers): fields shown empty before that could be typed into, and the
 * record arriving would then either replace what was typed or, kept, be saved over content the
 * person never saw. Once the form is there, the person's text wins: the fields follow the record
 * only until the person changes one, and no answer arriving later (a slow load, a save's answer
 * while they went on typing, the reload after a campaign is created) replaces what they typed.
 *
 * `key` names the record (its id): another record is another draft, seeded afresh. `seed` is the
 * form's content from the record, or undefined while it has not loaded; `value` is undefined until
 * there is something to edit. */
import { useCallback, useRef, useState } from "react";

type Held<F> = { key: string; value: F } | null;

function current<F>(held: Held<F>, latest: { key: string; seed: F | undefined }): F | undefined {
  return held !== null && held.key === latest.key ? held.value : latest.seed;
}

export function useDraft<F extends object>(key: string, seed: F | undefined) {
  const [edited, setEdited] = useState<Held<F>>(null);
  const value = current(edited, { key, seed });
  // The key and seed of the latest render, for changes made after an await (a save's answer).
  const latest = useRef({ key, seed });
  latest.current = { key, seed };

  /** The person changed some fields. */
  const change = useCallback((patch: Partial<F>) => {
    setEdited((held) => {
      const base = current(held, latest.current);
      return base === undefined ? held : { key: latest.current.key, value: { ...base, ...patch } };
    });
  }, []);

  /** The draft now belongs to another record: a new one just created from it, whose id the screen's
   * URL and load are about to take. */
  const adopt = useCallback((next: string) => {
    setEdited((held) => {
      const base = current(held, latest.current);
      return base === undefined ? held : { key: next, value: base };
    });
  }, []);

  return { value, change, adopt };
}
