/**
 * The signed-in session. Tokens live in memory only; the refresh token alone is kept in
 * sessionStorage (this tab, gone when it closes), so a reload can ask POST /auth/refresh for new
 * tokens. Never localStorage, never a cookie. Tokens are refreshed a minute before they expire.
 */
import type { Refreshed, Tokens } from "./types";

const REFRESH_KEY = "consentmail.refresh_token";
const EARLY_SECONDS = 60;

type Listener = (reason: "signed-in" | "signed-out" | "expired") => void;

let idToken: string | null = null;
let expiresAt = 0;
let timer: number | undefined;
const listeners = new Set<Listener>();
let refresher: ((refreshToken: string) => Promise<Refreshed>) | null = null;

function emit(reason: Parameters<Listener>[0]): void {
  for (const listener of listeners) listener(reason);
}

function schedule(expiresIn: number): void {
  window.clearTimeout(timer);
  expiresAt = Date.now() + expiresIn * 1000;
  const delay = Math.max(5, expiresIn - EARLY_SECONDS) * 1000;
  timer = window.setTimeout(() => {
    void refresh();
  }, delay);
}

export const session = {
  /** The client registers how to refresh, so this module knows no routes. */
  useRefresher(fn: (refreshToken: string) => Promise<Refreshed>): void {
    refresher = fn;
  },
  signedIn(): boolean {
    return idToken !== null && Date.now() < expiresAt;
  },
  idToken(): string | null {
    return idToken;
  },
  refreshToken(): string | null {
    return sessionStorage.getItem(REFRESH_KEY);
  },
  start(tokens: Tokens): void {
    idToken = tokens.id_token;
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    schedule(tokens.expires_in);
    emit("signed-in");
  },
  /** Forget everything this tab holds (sign out, account closed). */
  clear(reason: "signed-out" | "expired" = "signed-out"): void {
    window.clearTimeout(timer);
    idToken = null;
    expiresAt = 0;
    sessionStorage.removeItem(REFRESH_KEY);
    emit(reason);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** New tokens from the refresh token; false when there is none or the server refuses it. */
  resume: refresh,
};

async function refresh(): Promise<boolean> {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token || !refresher) return false;
  try {
    const fresh = await refresher(token);
    idToken = fresh.id_token;
    schedule(fresh.expires_in);
    return true;
  } catch {
    // Keep the current token until it expires: the next 401 takes the person to sign-in.
    return false;
  }
}
