/** Turns what the API answered into words for the person: the problem's detail, or why there is none. */
import { ApiError } from "../api/client";
import type { I18n } from "../i18n/i18n";

export function problemText(error: unknown, t: I18n["t"]): string {
  if (error instanceof ApiError) {
    if (error.unavailable) return t("error.unavailable");
    if (error.status === 401) return t("error.signedOut");
    if (error.status === 429) return t("error.tooMany");
    if (error.status >= 500) return t("error.server");
    // A 422 naming fields: each message is shown at its field; here, where to look.
    if (error.status === 422 && (error.problem?.errors?.length ?? 0) > 0) return t("form.fixFields");
    return error.problem?.detail || error.problem?.title || t("error.http", { status: error.status });
  }
  if (error instanceof TypeError) return t("error.network");
  return error instanceof Error ? error.message : String(error);
}

// The validator's words for an empty required field, said once in the person's language.
const REQUIRED = new Set(["Field required", "String should have at least 1 character"]);
let requiredText = "This field is required.";

/** Called by the language provider, so fieldError can stay a plain function. */
export function setRequiredText(text: string): void {
  requiredText = text;
}

/** The message for one field of a 422 (`errors[].field`), e.g. "consent.text". */
export function fieldError(error: unknown, ...fields: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const field of fields) {
    const message = error.fieldMessage(field);
    if (message) return REQUIRED.has(message) ? requiredText : message;
  }
  return undefined;
}
