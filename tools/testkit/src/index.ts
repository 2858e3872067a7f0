export { engineInfo, describeWithEngine } from './engine.js';
export {
  startFakeDaemon,
  unixSocketTransport,
  refusingConnects,
  type FakeDaemon,
  type FakeDaemonOptions,
  type FakeReply,
  type FakeRequest,
  type FakeScript,
} from './fake-daemon.js';
export {
  startFaultProxy,
  FAULTS,
  type CustomFault,
  type FaultProxy,
  type FaultProxyOptions,
  type ProxyConnection,
  type ProxyFault,
  type SniffedRequest,
} from './fault-proxy.js';
