import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { OperationResult } from '../generated/operation-types.js';

/** Running, ExitCode (null while running), ProcessConfig (tty, entrypoint, arguments), Pid... */
export type InspectExecResult = OperationResult<'ExecInspect'>;

/** GET /exec/{id}/json */
export async function inspectExec(ctx: ClientContext, execId: string, call?: CallOptions): Promise<InspectExecResult> {
  const res = await ctx.call('ExecInspect', { path: { id: execId } }, call);
  return res.body as InspectExecResult;
}
