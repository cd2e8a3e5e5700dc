/** XML text and attribute escaping for the generated client configurations. */
export function escapeXml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** `<name>value</name>` with the value escaped. */
export function element(name: string, value: string | number): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}
