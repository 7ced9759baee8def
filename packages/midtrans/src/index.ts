export * from './signature.js';
export * from './notification.js';
export * from './status-response.js';
export * from './rate-limiter.js';
export * from './circuit-breaker.js';
export * from './client.js';
