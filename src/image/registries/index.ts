// Registry configuration read from the files containers/image reads:
// registries.conf (+ drop-ins, short-name aliases), auth files and credential
// helpers, certs.d. Callers pass the paths and environment in explicitly.

export {
  loadRegistriesConfig, mergeRegistriesFile, emptyRegistriesConfig, AUTH_FILE_HELPER,
  type RegistriesConfig, type RegistriesConfigFiles, type RegistryEntry, type RegistryMirror, type ShortNameMode, type PullFromMirror,
} from './config.js';
export {
  registriesConfigFiles, shortNameAliasCacheFile, authFiles, loginAuthFile, certsDirRoots,
  type UserEnvironment, type AuthFileLocation,
} from './paths.js';
export { findRegistry, pullSources, pushTarget, isInsecureRegistry, type PullSource } from './pull-sources.js';
export { resolveShortName, loadShortNameAliasCache, type ShortNameResolution, type ShortNameOptions } from './short-names.js';
export { findCredentials, runCredentialHelper, type Credentials, type CredentialLookup, type CredentialHelperRunner } from './credentials.js';
export { loadRegistryTls, type RegistryTls } from './certs.js';
export { saveCredentials, removeCredentials, removeAllCredentials } from './auth-file-write.js';
