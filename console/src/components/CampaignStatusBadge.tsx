/** A campaign's status in words. */
import type { CampaignStatus } from "../api/types";
import { useI18n, type MessageKey } from "../i18n/i18n";

export function CampaignStatusBadge({ status }: { status: CampaignStatus }) {
  const { t } = useI18n();
  return <span className={`badge ${status}`}>{t(`campaignStatus.${status}` as MessageKey)}</span>;
}
