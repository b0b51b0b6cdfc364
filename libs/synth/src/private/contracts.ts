// What synth needs from the template and routing libraries, loaded lazily: cdk8s costs
// hundreds of milliseconds to import, and worker threads load it themselves.
import type { FleetSpec, LoadedFleet, Stamp } from '@stampyard/stamp-spec';

/** One Kubernetes object as plain JSON (the template's ApiObjectJson). */
export type ApiObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
};

export interface StampManifestsLike {
  readonly platform: readonly ApiObject[];
  readonly data: readonly ApiObject[];
  readonly apps: readonly ApiObject[];
}

export interface ConfigMapData {
  readonly name: string;
  readonly data: Record<string, string>;
}

/** The part of `@stampyard/stamp-template` synth calls. */
export interface TemplateApi {
  synthesizeStamp(fleet: FleetSpec, stamp: Stamp): StampManifestsLike;
  synthesizeGateway(fleet: FleetSpec, options: { routingConfigMaps: ConfigMapData[] }): readonly ApiObject[];
}

/** The part of `@stampyard/routing` synth calls. */
export interface RoutingApi {
  renderRoutingArtifacts(fleet: LoadedFleet): {
    files: readonly { path: string; content: string }[];
    configMaps: readonly ConfigMapData[];
  };
}

export async function loadTemplate(): Promise<TemplateApi> {
  return await import('@stampyard/stamp-template');
}

export async function loadRouting(): Promise<RoutingApi> {
  return await import('@stampyard/routing');
}
