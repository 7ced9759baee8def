export * from './signature.js';
export * from './notification.js';
