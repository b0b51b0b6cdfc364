// Quantities from the fleet file, turned into cdk8s-plus resources.
import { Size } from 'cdk8s';
import { Cpu, type ContainerResources } from 'cdk8s-plus-28';
import { InternalError, quantityValue } from '@stampyard/stamp-spec';

/** A CPU quantity such as `250m` or `1`. */
export function cpu(quantity: string): Cpu {
  const value = quantityValue(quantity);
  if (value === undefined) throw new InternalError(`'${quantity}' is not a CPU quantity; the fleet schema should have rejected it`);
  const millis = Math.round(value * 1000);
  return millis % 1000 === 0 ? Cpu.units(millis / 1000) : Cpu.millis(millis);
}

/** A memory quantity such as `512Mi` or `1Gi` (rendered in Mi, as cdk8s-plus does). */
export function memory(quantity: string): Size {
  const value = quantityValue(quantity);
  if (value === undefined) throw new InternalError(`'${quantity}' is not a memory quantity; the fleet schema should have rejected it`);
  return Size.mebibytes(Math.ceil(value / 2 ** 20));
}

/** Requests and limits of one container. */
export interface ResourceSpec {
  readonly cpu: { readonly request: string; readonly limit: string };
  readonly memory: { readonly request: string; readonly limit: string };
}

export function containerResources(spec: ResourceSpec): ContainerResources {
  return {
    cpu: { request: cpu(spec.cpu.request), limit: cpu(spec.cpu.limit) },
    memory: { request: memory(spec.memory.request), limit: memory(spec.memory.limit) },
  };
}
