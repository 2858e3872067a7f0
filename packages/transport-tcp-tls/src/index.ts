export {
  tcpTransport,
  type TcpTransportOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  KEEP_ALIVE_INITIAL_DELAY_MS,
  INSECURE_WARNING_CODE,
} from './tcp-transport.js';
export { tlsFromCertPath, type TlsOptions, type Pem, CA_FILE, CERT_FILE, KEY_FILE } from './tls-options.js';
