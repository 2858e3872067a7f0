export { transportConformanceSuite, type TransportConformanceOptions } from './conformance.js';
/** Small raw-request helpers the suite uses; handy in a transport author's own tests. */
export { call, catRoundTrip, createContainer, removeContainer, readAll } from './raw.js';
