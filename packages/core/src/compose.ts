import { InvalidParameterError } from './errors.js';
import type { DockerRequest, DockerResponse, Handler, Middleware } from './types.js';

const kSequential = Symbol.for('dockline.middleware.sequential');

/**
 * Mark a middleware that never calls `next` while a previous call is still pending (it
 * awaits each call before retrying): compose() then installs it without the re-entry
 * guard, which costs a closure and a promise per layer per call. The middleware of
 * @dockline/middleware are marked. Returns the same function.
 */
export function markSequential<M extends Middleware>(middleware: M): M {
  Object.defineProperty(middleware, kSequential, { value: true });
  return middleware;
}

function isSequential(middleware: Middleware): boolean {
  return (middleware as Middleware & { [kSequential]?: boolean })[kSequential] === true;
}

/**
 * Build one handler from ordered middleware (the first is outermost) around a terminal
 * handler. Each layer's shape is checked here, at composition time, not on first use.
 */
export function compose(middleware: readonly Middleware[], terminal: Handler): Handler {
  if (!Array.isArray(middleware)) {
    throw new InvalidParameterError('dockline: middleware must be an array of functions');
  }
  middleware.forEach((m, i) => {
    if (typeof m !== 'function') {
      throw new InvalidParameterError(`dockline: middleware[${i}] is ${typeof m}, expected a function (req, next) => Promise<DockerResponse>`);
    }
  });
  if (typeof terminal !== 'function') {
    throw new InvalidParameterError('dockline: the terminal handler must be a function');
  }
  let handler: Handler = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) {
    handler = wrap(middleware[i]!, handler, i);
  }
  return handler;
}

function wrap(layer: Middleware, next: Handler, index: number): Handler {
  if (isSequential(layer)) {
    return (req: DockerRequest) => {
      try {
        return layer(req, next);
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  return (req: DockerRequest) => {
    // A layer may call next() again to retry, but never while a previous call is pending:
    // two requests in flight for one call would duplicate side effects.
    let pending = false;
    const guarded: Handler = (r) => {
      if (pending) {
        return Promise.reject(
          new Error(`dockline: middleware[${index}] (${layer.name || 'anonymous'}) called next() while a previous call was still pending`),
        );
      }
      pending = true;
      let p: Promise<DockerResponse>;
      try {
        p = next(r);
      } catch (err) {
        pending = false;
        return Promise.reject(err);
      }
      return p.finally(() => {
        pending = false;
      });
    };
    try {
      return layer(req, guarded);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
