// Runs Stryker on Node 20. Stryker 10 refuses to start below Node 22 (a guard on process.version), but
// everything this project's run uses works on Node 20.20, so the guard is told what it wants to hear.
// Remove this file and call `stryker run` directly once the workspace is on Node 22.
Object.defineProperty(process, 'version', { value: 'v22.12.0' });
const { StrykerCli } = await import('@stryker-mutator/core');
new StrykerCli([process.argv[0], 'stryker', 'run', ...process.argv.slice(2)]).run();
