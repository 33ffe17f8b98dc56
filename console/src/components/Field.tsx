/** A labelled form field with its hint and, from a 422, the message saying what to fix. */
import { useId, type ChangeEvent, type ReactNode } from "react";

type Props = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  name?: string;
  type?: string;
  hint?: ReactNode;
  error?: string;
  required?: boolean;
  autoComplete?: string;
  multiline?: number;
  inputMode?: "email" | "text" | "numeric";
  onFocus?: (element: HTMLInputElement | HTMLTextAreaElement) => void;
  monospace?: boolean;
  readOnly?: boolean;
};

export function Field(props: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(" ");
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    readOnly: props.readOnly,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": describedBy || undefined,
    className: props.monospace ? "mono" : undefined,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => props.onChange(e.target.value),
    onFocus: props.onFocus
      ? (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => props.onFocus?.(e.currentTarget)
      : undefined,
  };
  return (
    <div className={props.error ? "field invalid" : "field"}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.multiline ? (
        <textarea rows={props.multiline} {...common} />
      ) : (
        <input type={props.type ?? "text"} autoComplete={props.autoComplete} inputMode={props.inputMode} {...common} />
      )}
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
