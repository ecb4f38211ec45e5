export { diagnose, SCENARIO_SEED, type Diagnosis, type DiagnoseOptions, type Scenario, type SourceCandidate } from './diagnose.js';
export { planRecovery, runbookForJournal, RECOVERY_RUNBOOKS, type RecoveryPlan, type PlanOptions } from './plan.js';
export { recoverInstance, type RecoverOptions, type RecoverOutcome, type PlanView } from './recover.js';
export { buildRunReport, type RunReport } from './report.js';
export { checkTrap, guardStart, trapRefusal } from './trap-guard.js';
export { controllerFor, controlStateDir } from './instance-control.js';
export { runPreflight, assertPreflight, type PreflightCheck } from './preflight.js';
export * from './sources.js';
