/*
 * Copies of the unstable ("incubating") semantic-convention definitions this package
 * uses, as the OpenTelemetry instrumentations do: the incubating entry point of
 * @opentelemetry/semantic-conventions may break in a minor release, so instrumentation
 * code must not import it at runtime.
 *
 * @experimental These may change when the conventions do.
 */

/**
 * The low-cardinality template of an absolute path reference, e.g. `/containers/{id}/json`.
 *
 * @experimental Incubating in semantic conventions 1.x (opt-in on the HTTP client metric).
 */
export const ATTR_URL_TEMPLATE = 'url.template' as const;

/*
 * dockline's own attributes (no convention exists for them); names follow the
 * `<product>.<name>` rule for custom attributes.
 */

/** The Engine API operationId, e.g. `ContainerInspect`. */
export const ATTR_DOCKER_OPERATION = 'docker.operation' as const;
/** The Engine API version the request went out with, e.g. `1.41`. */
export const ATTR_DOCKER_API_VERSION = 'docker.api.version' as const;
