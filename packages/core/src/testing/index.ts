export { transportConformanceSuite, type TransportConformanceOptions } from './conformance.js';
