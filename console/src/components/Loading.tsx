/** While a screen's data loads, and when it could not be loaded. */
import { useI18n } from "../i18n/i18n";
import { problemText } from "./problems";

export function Loading({ loading, error }: { loading: boolean; error: unknown }) {
  const { t } = useI18n();
  if (error) {
    return (
      <p className="problem" role="alert">
        {problemText(error, t)}
      </p>
    );
  }
  return loading ? (
    <p className="status" role="status" data-loading>
      {t("common.loading")}
    </p>
  ) : null;
}
