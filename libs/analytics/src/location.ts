// Where a lake is: a folder, `file://` URL, or an object-store URL.
import { fileURLToPath } from 'node:url';
import { LakeError } from './scan.ts';

/**
 * The folder of a lake given as a path or a `file://` URL. Object-store URLs (s3://, gs://, az://, abfss://)
 * go through DuckDB's httpfs/azure extensions, which this build does not bundle and cannot download:
 * they are refused with that reason, naming the way out.
 */
export function lakeFolder(lake: string): string {
  if (lake.startsWith('file://')) return fileURLToPath(lake);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(lake)?.[1];
  if (scheme !== undefined) {
    throw new LakeError(lake, [
      {
        path: '',
        problem: `${scheme}:// lakes are read and written through DuckDB's httpfs extension, which is not installed here; install it (INSTALL httpfs) where the network allows, or sync the zone's folder (e.g. aws s3 sync) and pass the folder`,
      },
    ]);
  }
  return lake;
}
