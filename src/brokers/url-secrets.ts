/**
 * Keeping credentials out of what the real adapters say: a broker URL with its password
 * masked, and client error text with the password scrubbed (raw or URL-encoded).
 */

import { maskUrl } from './url.js';

export { maskUrl };

/** The password in the URL, if any (URLs with several hosts, like Kafka's, included). */
function secretOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i.exec(url);
  if (!m || !m[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** An error's message with the URL masked and its password removed. */
export function describeError(error: unknown, url: string): string {
  const text = error instanceof Error ? error.message : String(error);
  let out = text.split(url).join(maskUrl(url));
  const secret = secretOf(url);
  if (secret) for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  return out;
}
