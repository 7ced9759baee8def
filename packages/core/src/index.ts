export * from './payment-state.js';
export * from './money.js';
export * from './errors.js';
export * from './jobs.js';
export * from './config.js';
export * from './async.js';
export * from './sync.js';
export * from './events.js';
