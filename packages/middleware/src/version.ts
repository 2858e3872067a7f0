/** This package's version, reported as the tracer and meter version (a test keeps it equal to package.json). */
export const PACKAGE_VERSION = '0.1.0';
export const PACKAGE_NAME = '@dockline/middleware';
