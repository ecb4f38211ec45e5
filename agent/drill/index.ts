export { runDrill, type DrillOptions } from './run-drill.js';
export { drillJob } from './drill-job.js';
export { pickDrillSource } from './drill-source.js';
export { ScratchRedis, SCRATCH_PREFIX } from './scratch-redis.js';
