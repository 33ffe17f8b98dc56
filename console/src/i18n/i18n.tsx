/**
 * The console's language: English or French, picked from the browser, switchable in the header
 * (the choice is kept in localStorage: a preference, not a credential). Strings come only from the
 * message catalogues; `{name}` placeholders are filled by `t`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { fr } from "./fr";
import { setRequiredText } from "../components/problems";

const catalogues = { en, fr } as const;
export type Language = keyof typeof catalogues;
export const LANGUAGES: Language[] = ["en", "fr"];
const STORAGE_KEY = "consentmail.language";

export function browserLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "fr") return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "en" || base === "fr") return base;
  }
  return "en";
}

type Vars = Record<string, string | number>;

export type I18n = {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  number: (value: number) => string;
  percent: (fraction: number) => string;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
};

const Context = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(browserLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const catalogue = catalogues[language];
    setRequiredText(catalogue["form.required"]);
    const numbers = new Intl.NumberFormat(language);
    const percents = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 });
    const dates = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
    // A date without a time ("2027-02-28") is that calendar day wherever the reader is.
    const days = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" });
    const dateTimes = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    const parse = (iso: string | null | undefined) => (iso ? new Date(iso) : null);
    return {
      language,
      setLanguage,
      t: (key, vars) =>
        catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
          vars && name in vars ? String(vars[name]) : whole,
        ),
      number: (n) => numbers.format(n),
      percent: (f) => percents.format(f),
      date: (iso) => {
        const d = parse(iso);
        if (!d || Number.isNaN(d.getTime())) return "—";
        return /^\d{4}-\d{2}-\d{2}$/.test(iso ?? "") ? days.format(d) : dates.format(d);
      },
      dateTime: (iso) => {
        const d = parse(iso);
        return d && !Number.isNaN(d.getTime()) ? dateTimes.format(d) : "—";
      },
    };
  }, [language, setLanguage]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

export type { MessageKey };
