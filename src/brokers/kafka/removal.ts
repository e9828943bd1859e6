/** Deleting topics and consumer groups by name, reporting what went (dispose, clean). */
import type { Admin } from 'kafkajs';

/** Deletes the groups that exist; a group that still has members cannot be, and is left. */
export async function removeGroups(admin: Admin, groupIds: readonly string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  const present = groupIds.filter((g) => existing.has(g));
  if (present.length === 0) return [];
  try {
    await admin.deleteGroups(present);
    return present.map((g) => `group ${g}`);
  } catch (error) {
    // kafkajs rejects the whole call if one group fails, naming the groups that failed
    const failed = (error as { groups?: { groupId: string }[] }).groups;
    if (!failed) throw error;
    const left = new Set(failed.map((f) => f.groupId));
    return present.filter((g) => !left.has(g)).map((g) => `group ${g}`);
  }
}

export async function removeTopics(admin: Admin, topics: readonly string[]): Promise<string[]> {
  if (topics.length === 0) return [];
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return [];
  await admin.deleteTopics({ topics: present });
  return present.map((t) => `topic ${t}`);
}
