/** The heading area of a list's screens: its name and the way to its other screens. */
import { NavLink } from "react-router";
import { useI18n } from "../i18n/i18n";

export function ListNav({ listId }: { listId: string }) {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t("list.navLabel")}>
      <NavLink to={`/lists/${listId}`} end>{t("list.contacts")}</NavLink>
      <NavLink to={`/lists/${listId}/contacts/new`}>{t("list.addContact")}</NavLink>
      <NavLink to={`/lists/${listId}/import`}>{t("list.import")}</NavLink>
      <NavLink to={`/lists/${listId}/settings`}>{t("list.settings")}</NavLink>
    </nav>
  );
}
