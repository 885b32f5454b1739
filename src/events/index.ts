// podman's events as its file logger keeps them: what the engine, the volume
// and network verbs and the image server record, and what `berth events` reads.

export { EventLog, EventTail, type BerthEvent, type EventRecorder } from './event-log.js';
