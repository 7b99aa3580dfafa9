export { FreeSwitchDouble } from './double.js';
export type { FreeSwitchDoubleOptions, InitialAgent, InitialTier, AgentView, TierView, MemberView, QueueView } from './double.js';
export type { AnswerMode, CallerSpec, CallerIds, DialplanExtension } from './routing.js';
export type { QueueConfig } from './switch-model.js';
export { FIXTURE_QUEUE, CallcenterDatabase } from './switch-model.js';
export { FsEvent } from './fs-event.js';
export { switchUrlEncode } from './url-encode.js';
