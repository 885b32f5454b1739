// The container engine: podman's container verbs on a Berth store, run by
// conmon and runc/crun through oci/.

export { ContainerEngine, dependenciesOf, type EngineOptions, type CreateOptions, type StartOptions, type ContainerInfo, type CniSettings } from './engine.js';
export type { CommitOptions } from './commit.js';
export { EngineError, isEngineError, type EngineErrorCode } from './errors.js';
export { berthExitCommand, type BerthExitCommandOptions, type ExitCleanup } from './exit-command.js';
export type { RuntimeContainerMetadata } from './metadata.js';
export { logEnd, type LogReadOptions } from './logs.js';
export type { TopTable } from './top.js';
export type { VolumeVerbs } from './volumes.js';
export type { SecretRequest } from './container-secrets.js';
export type { ImageVolumeMode } from './volume-specs.js';
export { userMountsOf, volumeNamesOf } from './user-mounts.js';
export { dependentsFirst } from './joined-namespaces.js';
export { EventTail, type BerthEvent, type EventLog } from '../events/index.js';
export { inspectHealth, inspectHealthcheck, type HealthCheckOptions } from './health.js';
export { checkedLogDriver, containerDefaultsOf, containersConfFiles, networkMode, networkSettingsOf, readContainersConf, type ContainerDefaults, type ContainersConf, type NetworkSettings } from './containers-conf.js';
