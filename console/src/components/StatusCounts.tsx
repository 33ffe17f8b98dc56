/** A list's contacts by status, in words. */
import type { ContactStatus } from "../api/types";
import { useI18n, type MessageKey } from "../i18n/i18n";
import type { Counts } from "./listCounts";

export const STATUSES: ContactStatus[] = ["confirmed", "pending", "unsubscribed", "bounced", "complained"];
export const statusKey = (status: ContactStatus) => `status.${status}` as MessageKey;

export function StatusCounts({ value }: { value: Counts | undefined }) {
  const { t, number } = useI18n();
  if (!value) return <span className="muted" data-loading>{t("common.counting")}</span>;
  return (
    <ul className="counts">
      {STATUSES.map((status) => (
        <li key={status}>
          <strong>
            {number(value.counts[status] ?? 0)}
            {value.partial ? "+" : ""}
          </strong>{" "}
          {t(statusKey(status))}
        </li>
      ))}
    </ul>
  );
}
