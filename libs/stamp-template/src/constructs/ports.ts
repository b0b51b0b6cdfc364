// Ports and users of the stamp's components, shared by their constructs and the network boundary.
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;
export const APP_UID = 10001;
export const POSTGRES_UID = 70; // the postgres user of the alpine image
export const REDIS_UID = 999; // the redis user of the alpine image
export const OTEL_UID = 10001;
/** Fixed resources of the components whose size doesn't follow the profile. */
export const SMALL = { cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '256Mi' } } as const;
