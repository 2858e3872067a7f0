// Printing results and writing them into BENCHMARKS.md between markers, one section per
// workload, so that `--only ping --write` refreshes the ping section and leaves the rest.
import { readFile, writeFile } from 'node:fs/promises';
import { machineLines, type MachineInfo } from './machine.ts';
import { markdownTable, textTable, verdict, type Check } from './measure.ts';
import type { WorkloadReport } from './workload.ts';

export interface RunMeta {
  quick: boolean;
  runs: number;
  command: string;
}

export function printReport(r: WorkloadReport): string {
  const out: string[] = [`\n== ${r.title} ==`];
  for (const t of r.tables) {
    if (t.caption) out.push(`\n${t.caption}`);
    out.push(textTable(t));
  }
  if (r.checks.length > 0) {
    out.push('');
    out.push(textTable(checksTable(r.checks)));
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function checksTable(checks: Check[]) {
  return {
    headers: ['target', 'measured', 'verdict'],
    rows: checks.map((c) => [c.target, c.measured, verdict(c)]),
    align: ['left', 'right', 'left'] as ('left' | 'right')[],
  };
}

export function reportMarkdown(r: WorkloadReport, meta: RunMeta, machine: MachineInfo): string {
  const out: string[] = [`### ${r.title}`, ''];
  out.push(`${r.setup}`, '');
  out.push(`_${meta.quick ? 'quick' : 'full'} mode, median of ${r.runs ?? meta.runs} run${(r.runs ?? meta.runs) === 1 ? '' : 's'}, ${machine.date} (load at start ${machine.loadStart})._`, '');
  for (const t of r.tables) {
    if (t.caption) out.push(`${t.caption}:`, '');
    out.push(markdownTable(t), '');
  }
  if (r.checks.length > 0) out.push(markdownTable(checksTable(r.checks)), '');
  for (const n of r.notes) out.push(`- ${n}`);
  if (r.notes.length > 0) out.push('');
  return out.join('\n').trimEnd();
}

const begin = (id: string): string => `<!-- bench:${id}:begin -->`;
const end = (id: string): string => `<!-- bench:${id}:end -->`;

/**
 * Replaces the text between `<!-- bench:ID:begin -->` and `<!-- bench:ID:end -->`; a section
 * that is not there yet is appended before `<!-- bench:sections:end -->` (or at the end).
 */
export function replaceSection(doc: string, id: string, body: string): string {
  const b = begin(id);
  const e = end(id);
  const i = doc.indexOf(b);
  const j = doc.indexOf(e);
  const block = `${b}\n${body}\n${e}`;
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + e.length);
  const anchor = doc.indexOf('<!-- bench:sections:end -->');
  if (anchor >= 0) return `${doc.slice(0, anchor)}${block}\n\n${doc.slice(anchor)}`;
  return `${doc.trimEnd()}\n\n${block}\n`;
}

const SKELETON = `# Benchmarks

Run with \`npm run bench\` (see tools/bench). Results below are written by \`npm run bench -- --write\`.

<!-- bench:machine:begin -->
<!-- bench:machine:end -->

<!-- bench:summary:begin -->
<!-- bench:summary:end -->

<!-- bench:sections:end -->
`;

/** The rows of the targets table (`| target | measured | verdict |`) in one workload's section. */
export function checkRows(doc: string, id: string): string[] {
  const b = doc.indexOf(begin(id));
  const e = doc.indexOf(end(id));
  if (b < 0 || e < b) return [];
  const lines = doc.slice(b, e).split('\n');
  const at = lines.findIndex((l) => l.startsWith('| target | measured | verdict |'));
  if (at < 0) return [];
  const rows: string[] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l);
  }
  return rows;
}

export async function writeBenchmarks(
  path: string,
  reports: WorkloadReport[],
  meta: RunMeta,
  machine: MachineInfo,
  order: readonly string[],
): Promise<void> {
  let doc = await readFile(path, 'utf8').catch(() => SKELETON);
  doc = replaceSection(doc, 'machine', [`Last written by \`${meta.command}\` on:`, '', ...machineLines(machine)].join('\n'));
  for (const r of reports) doc = replaceSection(doc, r.id, reportMarkdown(r, meta, machine));
  // The summary is rebuilt from every workload section in the file, so that a partial run
  // (--only) refreshes its own rows and keeps the others.
  const rows = order.flatMap((id) => checkRows(doc, id));
  doc = replaceSection(doc, 'summary', ['| target | measured | verdict |', '| --- | ---: | --- |', ...rows].join('\n'));
  await writeFile(path, doc);
}
