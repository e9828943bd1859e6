/**
 * RabbitMQ URLs (`amqp://`, `amqps://`) go to amqplib as they are, so TLS and its query
 * options work; credentials are kept out of messages by url-secrets.
 */
export { describeError, maskUrl } from '../url-secrets.js';

export const rabbitmqSchemes = ['amqp:', 'amqps:'] as const;
