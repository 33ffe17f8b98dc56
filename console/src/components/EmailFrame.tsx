/** An email's HTML shown as the recipient's mail client would show it, in a frame that runs none of
 * its scripts and records nothing.
 *
 * The frame is sandboxed without `allow-scripts` (nothing in the email runs), `allow-forms`,
 * `allow-popups` or any top navigation; `allow-same-origin` alone lets the console reach into the
 * frame, which is what it needs: an `about:srcdoc` frame inherits the console's CSP, which refuses
 * inline styles, and emails are nearly all inline styles. So before any parser sees the HTML, its
 * style attributes become `data-console-style` and its `<style>` elements inert scripts of a type
 * no browser runs (a parser, even DOMParser's inert one, reports each inline style to the CSP); the
 * inert copy (DOMParser: nothing loads or runs there) then loses its scripts, forms, embedded
 * frames and `<meta>`/`<base>`/`<link>`, and the styles are put back through the CSSOM once the
 * frame has loaded, which the CSP allows. The open pixel is dropped too and every link opens
 * nowhere, so looking at a preview never counts as an open or a click. */
import { useCallback, useMemo, useRef } from "react";

type Prepared = { html: string; sheets: string[] };

const STYLE_ATTRIBUTE = "data-console-style";
const STYLE_TYPE = "text/x-console-style";
const DROPPED = "script, noscript, iframe, frame, frameset, object, embed, form, meta, base, link";
// The open pixel's path (core/links.py `open_url`): a GET of it would count an open.
const OPEN_PIXEL = /\/t\/o\/[^/?#]+$/;
// A start tag, its attribute values quoted or not (a `>` inside quotes does not end it).
// Attributes are separated by white space, so no text can be split two ways (no backtracking blow-up).
const START_TAG = /<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?|\s*\/)*\s*>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/g;
const STYLE_END = /<\/style\s*>/gi;

/** The HTML with no inline style left for a parser to report: attributes renamed, elements inert. */
function withoutInlineStyles(html: string): string {
  return html
    .replace(START_TAG, (tag) => {
      const name = /^<[^\s/>]+/.exec(tag)?.[0] ?? "";
      if (name.toLowerCase() === "<style") return `<script type="${STYLE_TYPE}">`;
      const attributes = tag
        .slice(name.length)
        .replace(ATTRIBUTE, (whole, attribute: string, value?: string) =>
          attribute.toLowerCase() === "style" ? `${STYLE_ATTRIBUTE}${value ?? ""}` : whole,
        );
      return name + attributes;
    })
    .replace(STYLE_END, "</script>");
}

function prepare(html: string): Prepared {
  const doc = new DOMParser().parseFromString(withoutInlineStyles(html), "text/html");
  const sheets: string[] = [];
  doc.querySelectorAll(`script[type="${STYLE_TYPE}"]`).forEach((element) => {
    sheets.push(element.textContent ?? "");
    element.remove();
  });
  doc.querySelectorAll(DROPPED).forEach((element) => element.remove());
  doc.querySelectorAll("img").forEach((image) => {
    const src = image.getAttribute("src") ?? "";
    let path = src;
    try {
      path = new URL(src, window.location.href).pathname;
    } catch {
      // Not a URL: kept, it loads nothing.
    }
    if (OPEN_PIXEL.test(path)) image.remove();
  });
  // A new window is what the sandbox refuses (no allow-popups): a click in the preview goes nowhere.
  doc.querySelectorAll("a[href], area[href]").forEach((link) => link.setAttribute("target", "_blank"));
  return { html: `<!doctype html>${doc.documentElement.outerHTML}`, sheets };
}

type Props = { html: string; title: string; className?: string };

export function EmailFrame({ html, title, className }: Props) {
  const frame = useRef<HTMLIFrameElement>(null);
  const prepared = useMemo(() => prepare(html), [html]);
  const restyle = useCallback(() => {
    const doc = frame.current?.contentDocument;
    const view = frame.current?.contentWindow as (Window & typeof globalThis) | null | undefined;
    if (!doc || !view) return;
    doc.querySelectorAll<HTMLElement>(`[${STYLE_ATTRIBUTE}]`).forEach((element) => {
      element.style.cssText = element.getAttribute(STYLE_ATTRIBUTE) ?? "";
    });
    if (prepared.sheets.length > 0) {
      const sheet = new view.CSSStyleSheet();
      sheet.replaceSync(prepared.sheets.join("\n"));
      doc.adoptedStyleSheets = [sheet];
    }
  }, [prepared]);
  return (
    <iframe ref={frame} className={className ?? "email-frame"} title={title} sandbox="allow-same-origin"
      srcDoc={prepared.html} onLoad={restyle} />
  );
}
