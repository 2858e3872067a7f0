export { engineInfo, describeWithEngine, describeWithNamespaced } from './engine.js';
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
  tcpSocketTransport,
  unversionedPath,
  FAULTS,
  type AppliedFault,
  type ProxyAddress,
  type CustomFault,
  type FaultProxy,
  type FaultProxyOptions,
  type ProxyConnection,
  type ProxyFault,
  type SniffedRequest,
} from './fault-proxy.js';
export { httpFault, DEFAULT_GARBAGE, type Cut, type HttpFaultAction, type HttpFaultSpec } from './http-faults.js';
export { Collector } from './collector.js';
export { readThroughOnread } from './transport-reads.js';
