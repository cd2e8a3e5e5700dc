/** POP3 wire grammar: no sockets, no store (DESIGN.md "protocol"). */
export * from './command.js';
export * from './dot-stuffer.js';
export * from './line-receiver.js';
export * from './parse-command.js';
export * from './response.js';
export * from './sasl.js';
export * from './top-filter.js';
