/** The frame around every screen: skip link, the console's name, navigation when signed in, the
 * language switch and sign out. */
import { useState, type ReactNode } from "react";
import { Link, NavLink, useNavigate } from "react-router";
import { api } from "../api/client";
import { session } from "../api/session";
import { LANGUAGES, useI18n, type Language } from "../i18n/i18n";

export function Layout({ children, signedIn }: { children: ReactNode; signedIn: boolean }) {
  const { t, language, setLanguage } = useI18n();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);

  async function signOut() {
    setLeaving(true);
    try {
      await api.signOut(session.refreshToken());
    } catch {
      // Revocation is best effort: this tab forgets the tokens whatever the server said.
    }
    session.clear("signed-out");
    setLeaving(false);
    navigate("/sign-in?signed_out=1");
  }

  return (
    <>
      <a className="skip" href="#main">
        {t("nav.skip")}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          consentmail
        </Link>
        {signedIn ? (
          <nav aria-label={t("nav.label")}>
            <NavLink to="/" end>
              {t("nav.dashboard")}
            </NavLink>
            <NavLink to="/account">{t("nav.account")}</NavLink>
          </nav>
        ) : null}
        <div className="tools">
          <label className="language">
            <span className="visually-hidden">{t("nav.language")}</span>
            <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {code === "en" ? "English" : "Français"}
                </option>
              ))}
            </select>
          </label>
          {signedIn ? (
            <button type="button" className="secondary" onClick={signOut} disabled={leaving}>
              {leaving ? t("nav.signingOut") : t("nav.signOut")}
            </button>
          ) : null}
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
