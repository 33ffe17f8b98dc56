/** Sign in: email and password; a refusal or a lockout explained in words; then back to where the
 * person was going. */
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError, api } from "../api/client";
import { session } from "../api/session";
import { ActionStatus } from "../components/ActionStatus";
import { Field } from "../components/Field";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

function safeNext(next: string | null): string {
  // Only a path inside the console: never an open redirect.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignIn() {
  const { t, date } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction(async () => {
    const tokens = await api.signIn(email.trim(), password);
    session.start(tokens);
    navigate(safeNext(params.get("next")), { replace: true });
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run();
  }

  let refusal: string | null = null;
  if (action.error instanceof ApiError && action.error.status === 401) refusal = t("signIn.refused");
  if (action.error instanceof ApiError && action.error.status === 429) refusal = t("signIn.locked");

  return (
    <Screen title={t("signIn.title")}>
      {params.get("expired") ? <p className="notice">{t("signIn.expired")}</p> : null}
      {params.get("signed_out") ? <p className="notice">{t("signIn.signedOut")}</p> : null}
      {params.get("reset") ? <p className="notice">{t("signIn.afterReset")}</p> : null}
      {params.get("closed") ? (
        <div className="notice" role="status">
          <p><strong>{t("account.closed")}</strong></p>
          <p>{t("account.closedOn", { date: date(params.get("closed")) })}</p>
        </div>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Field label={t("field.email")} type="email" autoComplete="username" inputMode="email"
          value={email} onChange={setEmail} required />
        <Field label={t("field.password")} type="password" autoComplete="current-password"
          value={password} onChange={setPassword} required />
        <button type="submit" disabled={action.busy}>
          {action.busy ? t("signIn.busy") : t("signIn.submit")}
        </button>
        {refusal ? (
          <div className="problem" role="alert">
            <p>{refusal}</p>
            <p>{t("signIn.lockoutExplained")}</p>
          </div>
        ) : (
          <ActionStatus busy={action.busy} error={action.error} done={false} busyText={t("signIn.busy")} />
        )}
      </form>
      <p>
        <Link to="/forgot-password">{t("signIn.forgot")}</Link>
      </p>
      <p>
        {t("signIn.noAccount")} <Link to="/sign-up">{t("signIn.signUp")}</Link>
      </p>
    </Screen>
  );
}
