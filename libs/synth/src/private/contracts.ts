// What synth needs from the template and routing libraries. Types only at the top: the modules
// themselves load lazily, because cdk8s costs hundreds of milliseconds to import and worker
// threads load it themselves.
import type { ApiObjectJson, GlobalInfrastructureManifests, InfrastructureManifests, StampManifests } from '@stampyard/stamp-template';
import type { RoutingArtifacts } from '@stampyard/routing';

export type ApiObject = ApiObjectJson;
export type { GlobalInfrastructureManifests, InfrastructureManifests, StampManifests };
export type ConfigMapData = RoutingArtifacts['configMaps'][number];

/** The part of `@stampyard/stamp-template` synth calls. */
export type TemplateApi = Pick<
  typeof import('@stampyard/stamp-template'),
  'createStampRenderer' | 'synthesizeGateway' | 'synthesizeGlobalInfrastructure' | 'synthesizeZoneInfrastructure' | 'stampClusterVariables'
>;

/** The part of `@stampyard/routing` synth calls. */
export type RoutingApi = Pick<typeof import('@stampyard/routing'), 'renderRoutingArtifacts'>;

export async function loadTemplate(): Promise<TemplateApi> {
  return await import('@stampyard/stamp-template');
}

export async function loadRouting(): Promise<RoutingApi> {
  return await import('@stampyard/routing');
}
