/**
 * Type-level tests of the typed-escape-hatch helpers. The expectTypeOf calls are no-ops at run
 * time; `npx tsc -p tools/codegen/tsconfig.json --noEmit` is what checks them.
 */
import type { Readable } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import type { components, EngineOperations } from '@dockline/api/spec';
import type {
  BinaryBody,
  OperationParams,
  OperationResult,
  OperationStreamItem,
} from '@dockline/api/spec';
import type { OperationId } from '@dockline/api/spec';

type Schemas = components['schemas'];
/** The empty object literal type `{}`, spelled so linters accept it. */
type Nothing = Record<never, never>;

describe('generated types', () => {
  it('covers the same operationIds in engine-api.ts and operations.ts', () => {
    expectTypeOf<keyof EngineOperations>().toEqualTypeOf<OperationId>();
  });

  it('ContainerInspect: path.id required, query optional, result has Id and State', () => {
    type P = OperationParams<'ContainerInspect'>;
    expectTypeOf<P['path']>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<P>().toHaveProperty('path');
    expectTypeOf<{ path: { id: 'abc' } }>().toExtend<P>();
    expectTypeOf<{ query: { size: true } }>().not.toExtend<P>(); // path is missing
    expectTypeOf<P['query']>().toEqualTypeOf<{ size?: boolean } | undefined>();
    expectTypeOf<P['body']>().toEqualTypeOf<undefined>();

    type R = OperationResult<'ContainerInspect'>;
    expectTypeOf<R>().toEqualTypeOf<Schemas['ContainerInspectResponse']>();
    expectTypeOf<R>().toHaveProperty('Id').toEqualTypeOf<string | undefined>();
    expectTypeOf<R>().toHaveProperty('State');
    expectTypeOf<NonNullable<R['State']>>().toHaveProperty('Running');
  });

  it('ContainerWait: result has StatusCode', () => {
    type R = OperationResult<'ContainerWait'>;
    expectTypeOf<R>().toEqualTypeOf<Schemas['ContainerWaitResponse']>();
    expectTypeOf<R['StatusCode']>().toEqualTypeOf<number>();
    expectTypeOf<OperationParams<'ContainerWait'>['query']>().toEqualTypeOf<
      { condition?: 'not-running' | 'next-exit' | 'removed' } | undefined
    >();
  });

  it('VolumeCreate: body required, has Name; result is the Volume', () => {
    type P = OperationParams<'VolumeCreate'>;
    expectTypeOf<P['body']>().toEqualTypeOf<Schemas['VolumeCreateRequest']>();
    expectTypeOf<P['body']>().toHaveProperty('Name').toEqualTypeOf<string | undefined>();
    expectTypeOf<{ body: { Name: 'data' } }>().toExtend<P>();
    expectTypeOf<Nothing>().not.toExtend<P>(); // the body is required
    expectTypeOf<P['path']>().toEqualTypeOf<undefined>();
    expectTypeOf<OperationResult<'VolumeCreate'>>().toEqualTypeOf<Schemas['Volume']>();
  });

  it('NetworkList: query and its filters optional', () => {
    type P = OperationParams<'NetworkList'>;
    expectTypeOf<Nothing>().toExtend<P>();
    expectTypeOf<{ query: Nothing }>().toExtend<P>();
    expectTypeOf<{ query: { filters: '{"driver":["bridge"]}' } }>().toExtend<P>();
    expectTypeOf<NonNullable<P['query']>>().toEqualTypeOf<{ filters?: string }>();
    expectTypeOf<OperationResult<'NetworkList'>>().toEqualTypeOf<Schemas['Network'][]>();
  });

  it('SystemPing: nothing to send, no JSON result (text/plain OK; information in headers)', () => {
    type P = OperationParams<'SystemPing'>;
    expectTypeOf<Nothing>().toExtend<P>();
    expectTypeOf<{ path: { id: 'x' } }>().not.toExtend<P>();
    expectTypeOf<{ query: { a: 1 } }>().not.toExtend<P>();
    expectTypeOf<OperationResult<'SystemPing'>>().toEqualTypeOf<void>();
    expectTypeOf<EngineOperations['SystemPing']['responses'][200]['content']['text/plain']>().toEqualTypeOf<string>();
  });

  it('required query and header parameters make their part required', () => {
    type Resize = OperationParams<'ContainerResize'>;
    expectTypeOf<Resize['query']>().toEqualTypeOf<{ h: number; w: number }>();
    expectTypeOf<{ path: { id: 'x' } }>().not.toExtend<Resize>();

    type Push = OperationParams<'ImagePush'>;
    expectTypeOf<Push['headers']>().toEqualTypeOf<{ 'X-Registry-Auth': string }>();
    expectTypeOf<{ path: { name: 'img' } }>().not.toExtend<Push>();
    expectTypeOf<{ path: { name: 'img' }; headers: { 'X-Registry-Auth': 'e30=' } }>().toExtend<Push>();
  });

  it('binary bodies take bytes or streams, not JSON', () => {
    expectTypeOf<OperationParams<'ImageBuild'>['body']>().toEqualTypeOf<BinaryBody | undefined>();
    expectTypeOf<OperationParams<'PutContainerArchive'>['body']>().toEqualTypeOf<BinaryBody>();
    expectTypeOf<Uint8Array>().toExtend<BinaryBody>();
    expectTypeOf<Readable>().toExtend<BinaryBody>();
    expectTypeOf<ReadableStream<Uint8Array>>().toExtend<BinaryBody>();
  });

  it('ContainerCreate: body does not demand fields the daemon defaults', () => {
    type P = OperationParams<'ContainerCreate'>;
    expectTypeOf<{ body: { Image: 'alpine' } }>().toExtend<P>();
    expectTypeOf<{ body: { Image: 'alpine'; HostConfig: { AutoRemove: true } }; query: { name: 'x' } }>().toExtend<P>();
    expectTypeOf<OperationResult<'ContainerCreate'>>().toEqualTypeOf<Schemas['ContainerCreateResponse']>();
  });

  it('ServiceCreate: allOf bodies keep their properties', () => {
    type Body = OperationParams<'ServiceCreate'>['body'];
    expectTypeOf<{ Name: 'web' }>().toExtend<Body>();
  });

  it('empty operations resolve to void; streams have no single result', () => {
    expectTypeOf<OperationResult<'ContainerStart'>>().toEqualTypeOf<void>();
    expectTypeOf<OperationResult<'PluginDelete'>>().toEqualTypeOf<void>(); // the daemon sends no body
    expectTypeOf<OperationResult<'ContainerLogs'>>().toEqualTypeOf<never>();
    expectTypeOf<OperationResult<'ExecStart'>>().toEqualTypeOf<never>();
    expectTypeOf<OperationStreamItem<'SystemEvents'>>().toEqualTypeOf<Schemas['EventMessage']>();
    expectTypeOf<OperationStreamItem<'ContainerStats'>>().toEqualTypeOf<Schemas['ContainerStatsResponse']>();
    expectTypeOf<OperationStreamItem<'ImageCreate'>>().toEqualTypeOf<unknown>();
    expectTypeOf<OperationStreamItem<'ContainerLogs'>>().toEqualTypeOf<never>();
  });
});
