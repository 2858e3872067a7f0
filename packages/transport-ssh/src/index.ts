export {
  sshTransport,
  type SshTransport,
  type SshTransportOptions,
  type SshTransportStats,
  type SshMode,
  type HostKeyPolicy,
  DEFAULT_REMOTE_SOCKET,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DIAL_STDIO_COMMAND,
} from './ssh-transport.js';
export { parseSshUrl, formatSshEndpoint, type ParsedSshUrl } from './url.js';
export { SshConnectionError, type SshFailureReason } from './errors.js';
