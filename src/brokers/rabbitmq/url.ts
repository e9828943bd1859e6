/**
 * RabbitMQ URLs (`amqp://`, `amqps://`, passed to amqplib as they are, so TLS and its
 * query options work) and keeping their credentials out of every message we produce.
 */

export const rabbitmqSchemes = ['amqp:', 'amqps:'] as const;

/** The URL with its password replaced by `***` (for messages and logs). */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** The password in the URL, if any, so it can be scrubbed from client error messages. */
function secretOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** An error's message with the URL's password (raw or URL-encoded) removed. */
export function describeError(error: unknown, url: string): string {
  const text = error instanceof Error ? error.message : String(error);
  let out = text.split(url).join(maskUrl(url));
  const secret = secretOf(url);
  if (secret) for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  return out;
}
