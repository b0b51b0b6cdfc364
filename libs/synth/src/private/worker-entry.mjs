// Worker thread entry: registers tsx (workers don't inherit the parent's loader), then runs worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
