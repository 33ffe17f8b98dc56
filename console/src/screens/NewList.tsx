/** Create a list: its name and the sender its campaigns go out from. */
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api } from "../api/client";
import { ActionStatus } from "../components/ActionStatus";
import { Field } from "../components/Field";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

export function NewList() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: "", from_email: "", from_name: "" });
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  const action = useAction(async () => {
    const list = await api.createList({ ...form, from_email: form.from_email.trim() });
    navigate(`/lists/${list.list_id}`);
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run();
  }
  const err = action.error;
  return (
    <Screen title={t("newList.title")}>
      <form onSubmit={submit} noValidate>
        <Field label={t("list.name")} value={form.name} onChange={set("name")} required
          error={fieldError(err, "name")} />
        <Field label={t("list.fromEmail")} type="email" inputMode="email" value={form.from_email}
          onChange={set("from_email")} required error={fieldError(err, "from_email")} hint={t("list.fromEmailHint")} />
        <Field label={t("list.fromName")} value={form.from_name} onChange={set("from_name")}
          error={fieldError(err, "from_name")} />
        <button type="submit" disabled={action.busy}>{t("newList.submit")}</button>
        <ActionStatus busy={action.busy} error={err} done={false} busyText={t("common.saving")} />
      </form>
    </Screen>
  );
}
