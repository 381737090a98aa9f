const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (unit names are typed by administrators). */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Only http(s) links go into a mail: a `javascript:` or `data:` URL from bad configuration is shown as text. */
export const isWebUrl = (url: string): boolean => /^https?:\/\/[^\s]+$/i.test(url);
