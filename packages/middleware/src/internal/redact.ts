// One scrubber for the whole library: core's, which also cleans error messages.
export { redactText } from '@dockline/core';
