// Starting stamp-app through its bin costs a tsx start-up each time (measured on this
// 2-core machine under load: 2.2–2.9 s a start through the bin, 0.7–1.1 s as one bundled
// file). The local fleet starts it dozens of times, so it bundles the app once per run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPOSITORY_ROOT } from '../context.ts';

/**
 * Bundles `apps/<app>/src/main.ts` with a two-line entry (the bin's, without tsx) into
 * `<outDir>/<app>.mjs`, and returns that path.
 */
export async function bundleApp(app: string, outDir: string, workspaceRoot = REPOSITORY_ROOT): Promise<string> {
  const entry = join(outDir, `${app}-entry.mjs`);
  const outfile = join(outDir, `${app}.mjs`);
  const main = JSON.stringify(join(workspaceRoot, 'apps', app, 'src', 'main.ts'));
  await writeFile(entry, `import { main } from ${main};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  // CommonJS dependencies (prom-client) call require() on Node's built-ins, which an ES module lacks.
  const banner =
    "import { createRequire as __stampyardCreateRequire } from 'node:module'; const require = __stampyardCreateRequire(import.meta.url);";
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    banner: { js: banner },
  });
  return outfile;
}
