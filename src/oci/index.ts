// The OCI runtime manager (seed 000, CRI-O's internal/oci): containers run by
// runc or crun under conmon, their state, the spec they run with.

export { Runtime, checkpointArgs, type RuntimeOptions, type ExecSyncResult } from './runtime.js';
export { Container, ContainerStorer, ContainerStatus, releaseStateLock, type ContainerConfig, type ContainerState, type ContainerVolume, type ContainerSecret, type HealthCheck, type HealthOnFailure, type HealthState, type HostOptions, type HostsAndDns, type RestartPolicy } from './container.js';
export { OciError, ExecSyncError, isOciError, type OciErrorCode } from './errors.js';
export { defaultRuntimeConfig, formatRuntimeConfig, parseRuntimeConfig, runtimeHandler, type RuntimeConfig, type RuntimeHandler } from './handlers.js';
export { generateSpec, containerHostname, checkedCpuList, commandOf, runsInit, CONTAINER_INIT_PATH, umaskOf, resolveUser, hostHardLimits, capabilityName, devicePaths, entrypointOf, DEFAULT_CAPABILITIES, type ImageRunConfig, type SpecOptions, type NamespaceMode, type JoinableNamespace } from './spec.js';
export type { BlockIoThrottle, OciSpec, OciProcess, OciMount, OciLinuxResources, OciSeccomp } from './spec-types.js';
export { parseSignal, signalName } from './signals.js';
export { parseCriLog, readCriLog, type LogRecord } from './log.js';
export type { ContainerStats } from './stats.js';
export { procStat, isSameLiveProcess } from './proc.js';
export type { ExitCommand, LogDriver, PendingConmon } from './conmon.js';
export type { AttachStreams, AttachSession, AttachEnd } from './attach.js';
export { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys } from './detach-keys.js';
