/**
 * This package's version, for the default `User-Agent: dockline/<version>`. A constant (not
 * a read of package.json) so it works the same from source, from dist and bundled; a test
 * (version.test.ts) keeps it equal to package.json, as @dockline/middleware does.
 */
export const PACKAGE_VERSION = '0.1.0';

/** The User-Agent every request carries unless `createClient({ headers })` sets one. */
export const DEFAULT_USER_AGENT = `dockline/${PACKAGE_VERSION}`;
