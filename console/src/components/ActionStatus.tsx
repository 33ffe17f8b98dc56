/** What an action is doing and how it ended: a live status while busy, then success or the problem in words. */
import { useI18n } from "../i18n/i18n";
import { problemText } from "./problems";

type Props = {
  busy: boolean;
  error: unknown;
  done: boolean;
  busyText: string;
  doneText?: string;
};

export function ActionStatus({ busy, error, done, busyText, doneText }: Props) {
  const { t } = useI18n();
  return (
    <>
      <p className="status" role="status" aria-live="polite">
        {busy ? busyText : done && doneText ? doneText : ""}
      </p>
      {error && !busy ? (
        <p className="problem" role="alert">
          {problemText(error, t)}
        </p>
      ) : null}
    </>
  );
}
