// @dockline/tool-bench: the benchmark suite behind `npm run bench` (entry: main.ts).
export { WORKLOADS } from './workloads.ts';
export type { BenchContext, Workload, WorkloadReport, ReportTable } from './workload.ts';
export {
  compare,
  timeBatch,
  median,
  medianOf,
  spread,
  ratio,
  formatRatio,
  formatBytes,
  fmt,
  check,
  verdict,
  textTable,
  markdownTable,
  type Sample,
  type Subject,
  type Samples,
  type Check,
  type Table,
} from './measure.ts';
