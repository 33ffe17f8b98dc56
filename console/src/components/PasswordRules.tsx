/** The account password rule (CNIL: 8+ characters, a letter, a digit 0-9, one of the special
 * characters the user pool counts), shown as the person types so they see what is missing before
 * the server says it. The server checks again and its 422 is shown at the field. */
import { useI18n, type MessageKey } from "../i18n/i18n";

const SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

const RULES: [MessageKey, (password: string) => boolean][] = [
  ["password.ruleLength", (p) => [...p.normalize("NFC")].length >= 8],
  ["password.ruleLetter", (p) => /\p{L}/u.test(p)],
  ["password.ruleDigit", (p) => /[0-9]/.test(p)],
  ["password.ruleSpecial", (p) => [...p].some((c) => SYMBOLS.includes(c))],
];

export function passwordMissing(password: string): MessageKey[] {
  return RULES.filter(([, ok]) => !ok(password)).map(([key]) => key);
}

export function PasswordRules({ password, id }: { password: string; id: string }) {
  const { t } = useI18n();
  return (
    <ul className="rules" id={id} aria-live="polite">
      {RULES.map(([key, ok]) => {
        const met = ok(password);
        return (
          <li key={key} className={met ? "met" : "missing"}>
            <span aria-hidden="true">{met ? "✓ " : "✗ "}</span>
            {t(key)}
            <span className="visually-hidden"> — {met ? t("password.met") : t("password.missing")}</span>
          </li>
        );
      })}
    </ul>
  );
}
