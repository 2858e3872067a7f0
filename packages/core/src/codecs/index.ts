export {
  StdStream,
  StdcopyDemuxer,
  demuxStream,
  type StdcopyDataListener,
  type StdcopyDemuxerOptions,
  type DemuxStreamOptions,
  type DemuxStreamOutputs,
} from './stdcopy.js';
export { copyStream, type CopyStreamOptions } from './pump.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  JsonLinesDecoder,
  decodeJsonLines,
  type JsonLinesOptions,
  type JsonValueListener,
} from './json-lines.js';
