// Fewer runs per property while mutation testing; see vitest.config.ts beside this file.
import fc from 'fast-check';

fc.configureGlobal({ numRuns: 25 });
