import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { OperationParams } from '../generated/operation-types.js';

/** Cmd, AttachStdin/Stdout/Stderr, Tty, Env, User, WorkingDir, Privileged, DetachKeys. */
export type ExecConfig = OperationParams<'ContainerExec'>['body'];

export interface CreateExecResult {
  /** The exec instance's id, for startExec / inspectExec / resizeExecTTY. */
  Id: string;
}

/** POST /containers/{id}/exec */
export async function createExec(ctx: ClientContext, containerId: string, config: ExecConfig, call?: CallOptions): Promise<CreateExecResult> {
  const res = await ctx.call('ContainerExec', { path: { id: containerId }, body: config }, call);
  return { Id: (res.body as { Id: string }).Id };
}
