export { unixTransport, type UnixTransportOptions, DEFAULT_SOCKET_PATH } from './unix-transport.js';
