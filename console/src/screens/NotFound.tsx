/** An address inside the console that is no screen. */
import { Link } from "react-router";
import { Screen } from "../components/Screen";
import { useI18n } from "../i18n/i18n";

export function NotFound() {
  const { t } = useI18n();
  return (
    <Screen title={t("notFound.title")}>
      <p>{t("notFound.body")}</p>
      <p>
        <Link to="/">{t("nav.dashboard")}</Link>
      </p>
    </Screen>
  );
}
