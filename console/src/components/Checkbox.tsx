/** A labelled checkbox with an optional hint. */
import { useId, type ReactNode } from "react";

export function Checkbox(props: { label: ReactNode; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)}
          aria-describedby={props.hint ? `${id}-hint` : undefined} />
        {props.label}
      </label>
      {props.hint ? <p className="hint" id={`${id}-hint`}>{props.hint}</p> : null}
    </div>
  );
}
