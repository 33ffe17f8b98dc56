/** Turns what the API answered into words for the person: the problem's detail, or why there is none. */
import { ApiError } from "../api/client";
import type { I18n } from "../i18n/i18n";

export function problemText(error: unknown, t: I18n["t"]): string {
  if (error instanceof ApiError) {
    if (error.unavailable) return t("error.unavailable");
    if (error.status === 401) return t("error.signedOut");
    if (error.status === 429) return t("error.tooMany");
    if (error.status >= 500) return t("error.server");
    return error.problem?.detail || error.problem?.title || t("error.http", { status: error.status });
  }
  if (error instanceof TypeError) return t("error.network");
  return error instanceof Error ? error.message : String(error);
}

/** The message for one field of a 422 (`errors[].field`), e.g. "consent.text". */
export function fieldError(error: unknown, ...fields: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const field of fields) {
    const message = error.fieldMessage(field);
    if (message) return message;
  }
  return undefined;
}

/** Whether a 422 named fields (shown at each field) rather than the form as a whole. */
export function hasFieldErrors(error: unknown): boolean {
  return error instanceof ApiError && (error.problem?.errors?.length ?? 0) > 0;
}
