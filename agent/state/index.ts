export {
  loadInstanceState,
  recordLastSeen,
  rememberDiscoveredLayout,
  saveDiscoveredLayout,
  endpointOf,
  type InstanceState,
  type LastSeen,
  type SavedLayout,
  type Keyspace,
} from './instance-state.js';
export { resolveInstanceFacts, connectForRecovery, parseMemory, type InstanceFacts, type FactSource } from './instance-facts.js';
export { InstanceWatch, type InstanceWatchOptions, type WatchResult } from './instance-watch.js';
export { observeInstance, type Observation } from './observe.js';
