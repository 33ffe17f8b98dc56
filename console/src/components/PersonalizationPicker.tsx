/** Inserts a personalization tag ({{ first_name | default("there") }} …) where the cursor was in the
 * subject, HTML or text field the person last used. */
import { useId, useState } from "react";
import { useI18n, type MessageKey } from "../i18n/i18n";

const TAGS: [string, MessageKey][] = [
  ['{{ first_name | default("there") }}', "picker.firstName"],
  ["{{ last_name }}", "picker.lastName"],
  ["{{ email }}", "picker.email"],
  ["{{ attributes.NAME }}", "picker.attribute"],
  ["{{ preferences_url }}", "picker.preferences"],
  ["{{ unsubscribe_url }}", "picker.unsubscribe"],
];

type Props = { target: string; onInsert: (tag: string) => void };

export function PersonalizationPicker({ target, onInsert }: Props) {
  const { t } = useI18n();
  const id = useId();
  const [choice, setChoice] = useState(TAGS[0][0]);
  const [attribute, setAttribute] = useState("");
  const tag = choice.replace("NAME", attribute.trim() || "NAME");
  return (
    <div className="picker" role="group" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} className="picker-title">{t("picker.title", { field: target })}</p>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-tag`}>{t("picker.tag")}</label>
          <select id={`${id}-tag`} value={choice} onChange={(e) => setChoice(e.target.value)}>
            {TAGS.map(([value, label]) => (
              <option key={value} value={value}>{t(label)}</option>
            ))}
          </select>
        </div>
        {choice.includes("NAME") ? (
          <div className="field">
            <label htmlFor={`${id}-attr`}>{t("picker.attributeName")}</label>
            <input id={`${id}-attr`} value={attribute} onChange={(e) => setAttribute(e.target.value)} />
          </div>
        ) : null}
      </div>
      <code className="tag-preview">{tag}</code>{" "}
      <button type="button" className="secondary" onClick={() => onInsert(tag)}>{t("picker.insert")}</button>
    </div>
  );
}
