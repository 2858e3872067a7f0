export { commandTransport, type CommandTransportOptions } from './command-transport.js';
