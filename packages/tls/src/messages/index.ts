export * from './extensions.js';
export * from './handshake.js';
export * from './client-hello.js';
export * from './server-hello.js';
export * from './tls13-messages.js';
export * from './alert.js';
export * from './tls12-messages.js';
