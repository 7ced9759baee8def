export * from './logger.js';
export * from './redis.js';
export * from './shutdown.js';
export * from './redis-durability.js';
export * from './metrics.js';
export * from './events.js';
export * from './config-exit.js';
