// podman's secrets with the file driver: records and data under the store's
// graph root, where podman keeps them.

export { SecretStore, checkedSecretName, MAX_SECRET_BYTES, type Secret, type SecretCreateOptions } from './secret-store.js';
export { SecretError, isSecretError, type SecretErrorCode } from './errors.js';
