/** Contact attributes as the person edits them: one `name = value` per line. */
export function attributesToText(attributes: Record<string, unknown> | undefined): string {
  return Object.entries(attributes ?? {})
    .map(([name, value]) => `${name} = ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("\n");
}

/** The attributes, or the 1-based line that is not `name = value`. */
export function textToAttributes(text: string): Record<string, string> | { badLine: number } {
  const attributes: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at <= 0) return { badLine: i + 1 };
    attributes[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return attributes;
}
