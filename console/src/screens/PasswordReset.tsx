/** Forgot password (always the same answer, whether or not the address has an account) and reset
 * password (from the emailed link, with the password rule as they type). */
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError, api } from "../api/client";
import { ActionStatus } from "../components/ActionStatus";
import { Field } from "../components/Field";
import { PasswordRules, passwordMissing } from "../components/PasswordRules";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

export function ForgotPassword() {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const action = useAction(() => api.forgotPassword(email.trim()));
  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run();
  }
  return (
    <Screen title={t("forgot.title")}>
      <p>{t("forgot.intro")}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t("field.email")} type="email" autoComplete="email" inputMode="email"
          value={email} onChange={setEmail} required error={fieldError(action.error, "email")} />
        <button type="submit" disabled={action.busy}>{t("forgot.submit")}</button>
        <ActionStatus busy={action.busy} error={action.error} done={action.done}
          busyText={t("forgot.busy")} doneText={t("forgot.done")} />
      </form>
      <p>
        <Link to="/sign-in">{t("signUp.toSignIn")}</Link>
      </p>
    </Screen>
  );
}

export function ResetPassword() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const missing = passwordMissing(password);
  const token = params.get("token") ?? "";
  const action = useAction(async () => {
    await api.resetPassword(token, password);
    navigate("/sign-in?reset=1");
  });
  // Not valid, already used, or older than its hour: 400. A new link is one form away.
  const invalid = action.error instanceof ApiError && action.error.status === 400;
  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (missing.length === 0) void action.run();
  }
  return (
    <Screen title={t("reset.title")}>
      <p>{t("reset.intro")}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t("field.newPassword")} type="password" autoComplete="new-password" value={password}
          onChange={setPassword} required
          error={fieldError(action.error, "password") ?? (touched && missing.length ? t("password.incomplete") : undefined)}
          hint={<PasswordRules password={password} id="reset-rules" />} />
        <button type="submit" disabled={action.busy}>{t("reset.submit")}</button>
        <ActionStatus busy={action.busy} error={invalid ? null : action.error} done={false} busyText={t("reset.busy")} />
        {invalid || !token ? (
          <p className="problem" role="alert">
            {t(token ? "reset.invalid" : "reset.noToken")} <Link to="/forgot-password">{t("reset.askAgain")}</Link>
          </p>
        ) : null}
      </form>
    </Screen>
  );
}
