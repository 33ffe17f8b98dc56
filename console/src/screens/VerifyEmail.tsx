/** Verify email: the link in the verification email lands here with its token, and one button
 * proves the address (a POST, so mail scanners fetching the link change nothing). */
import { Link, useSearchParams } from "react-router";
import { ApiError, api } from "../api/client";
import { ActionStatus } from "../components/ActionStatus";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

export function VerifyEmail() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const action = useAction(() => api.verifyEmail(token));
  // A link that is not valid (tampered, expired after 7 days, of a closed account) answers 400.
  const invalid = action.error instanceof ApiError && action.error.status === 400;
  return (
    <Screen title={t("verify.title")}>
      {token ? (
        <>
          <p>{t("verify.intro")}</p>
          <button type="button" onClick={() => void action.run()} disabled={action.busy || action.done}>
            {t("verify.submit")}
          </button>
        </>
      ) : (
        <p>{t("verify.noToken")}</p>
      )}
      <ActionStatus busy={action.busy} error={invalid ? null : action.error} done={action.done}
        busyText={t("verify.busy")} doneText={t("verify.done")} />
      {invalid ? <p className="problem" role="alert">{t("verify.invalid")}</p> : null}
      <p>
        <Link to="/sign-in">{t("signUp.toSignIn")}</Link>
      </p>
    </Screen>
  );
}
