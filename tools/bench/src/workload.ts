// What every workload module exports, and what it hands back for printing and BENCHMARKS.md.
import type { DockerClient } from '@dockline/api';
import type { EngineInfo } from '@dockline/tool-engine';
import type { Check, Table } from './measure.ts';

export interface BenchContext {
  engine: EngineInfo;
  /** Smaller sizes and counts: the whole suite in a minute or two. */
  quick: boolean;
  /** Measured runs per subject (the median is reported). */
  runs: number;
  /** Keep the fixture containers for a later run. */
  keep: boolean;
  /** A dockline client for setup and teardown (fixtures), never measured. */
  admin: DockerClient;
  /** Scratch folder for recordings. */
  workDir: string;
  log(line: string): void;
}

export interface ReportTable extends Table {
  caption?: string;
}

export interface WorkloadReport {
  id: string;
  title: string;
  /** What was measured and how, one short paragraph. */
  setup: string;
  tables: ReportTable[];
  checks: Check[];
  notes: string[];
  /** Runs behind the medians when the workload used fewer than --runs (long reads). */
  runs?: number;
}

export interface Workload {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<WorkloadReport>;
}
