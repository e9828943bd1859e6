/**
 * The real adapters, each imported only when a run or a command needs it, so start-up
 * stays fast and a user without Kafka never loads kafkajs.
 */
import type { RealAdapter, RealAdapterName } from './real.js';

export const realAdapters: { [K in RealAdapterName]?: () => Promise<RealAdapter> } = {
  redis: () => import('./redis/adapter.js').then((m) => m.redisAdapter),
  rabbitmq: () => import('./rabbitmq/adapter.js').then((m) => m.rabbitmqAdapter),
  // kafka: () => import('./kafka/adapter.js').then((m) => m.kafkaAdapter),
};
