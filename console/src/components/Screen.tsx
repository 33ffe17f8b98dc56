/** One screen: its title in the tab and as the page heading, which takes focus when the screen opens
 * so a screen reader announces where the person landed. */
import { useEffect, useRef, type ReactNode } from "react";

export function Screen({ title, children, wide }: { title: string; children: ReactNode; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · consentmail`;
  }, [title]);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className={wide ? "screen wide" : "screen"} aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </section>
  );
}
