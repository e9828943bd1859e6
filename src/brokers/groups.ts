/**
 * How a copy of a message is named in accounting, by who it is for: a queue by its own
 * name (its consumers compete for one copy), a topic subscription as `topic@name`, a
 * stream's consumer group as `stream@group` (each gets its own copy).
 */
export function subscriptionGroup(topic: string, name: string): string {
  return `${topic}@${name}`;
}

export function streamGroup(stream: string, group: string): string {
  return `${stream}@${group}`;
}
