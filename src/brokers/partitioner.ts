/**
 * Which partition a keyed message goes to. Clients choose partitions (kafkajs does it in
 * the producer), so this is shared by every adapter that has partitions: the same key
 * always lands in the same partition, which is what keeps one key's messages in order.
 * FNV-1a, not Kafka's murmur2: placement only has to be stable within this tool.
 */
export function partitionForKey(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
