import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { InstanceFacts } from '../state/instance-facts.js';

/**
 * The facts a runbook is planned with, kept in its journal (JSON) so a resumed or rolled-back run
 * acts on exactly what was planned.
 */
export type PlanFacts = Pick<
  InstanceFacts,
  | 'instance'
  | 'host'
  | 'port'
  | 'dir'
  | 'dbfilename'
  | 'appenddirname'
  | 'appendfilename'
  | 'configFile'
  | 'rdbFile'
  | 'aofDir'
  | 'manifestPath'
  | 'appendonly'
  | 'replicaof'
  | 'maxmemory'
  | 'role'
  | 'redisVersion'
> & {
  controlType: 'process' | 'systemd' | 'exec' | null;
  /** redis-server binary of 'process' control. */
  binary: string | null;
};

export function planFactsOf(facts: InstanceFacts, instance: InstanceConfig): PlanFacts {
  const control = instance.control;
  return {
    instance: facts.instance,
    host: facts.host,
    port: facts.port,
    dir: facts.dir,
    dbfilename: facts.dbfilename,
    appenddirname: facts.appenddirname,
    appendfilename: facts.appendfilename,
    configFile: facts.configFile,
    rdbFile: facts.rdbFile,
    aofDir: facts.aofDir,
    manifestPath: facts.manifestPath,
    appendonly: facts.appendonly,
    replicaof: facts.replicaof,
    maxmemory: facts.maxmemory,
    role: facts.role,
    redisVersion: facts.redisVersion,
    controlType: control?.type ?? null,
    binary: control?.type === 'process' ? (control.binary ?? 'redis-server') : null,
  };
}
