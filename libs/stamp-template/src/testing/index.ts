export * from './validate.ts';
export * from './crd-schemas.ts';
