import { RedbackError } from '../../shared/errors/index.js';
import { resolveSpec, type ControllerSpec, type RedisController } from './controller.js';
import { ExecController } from './exec-controller.js';
import { ProcessController } from './process-controller.js';
import { SystemdController } from './systemd-controller.js';

export type { ControllerSpec, ControllerTimeouts, RedisController } from './controller.js';
export { ExecController } from './exec-controller.js';
export { ProcessController, overrideArgs } from './process-controller.js';
export { SystemdController } from './systemd-controller.js';
export { portAcceptsConnections, processAlive } from './liveness.js';

/**
 * The controller for one instance, from its `control:` block. An instance without one cannot be
 * stopped or started by redback (CONFIG_INVALID): guessing would be dangerous, e.g. starting a
 * second redis-server next to a systemd unit.
 */
export function createController(spec: ControllerSpec): RedisController {
  const control = spec.instance.control;
  const resolved = resolveSpec(spec);
  if (!control) {
    throw new RedbackError('CONFIG_INVALID', `instance ${spec.instance.name} has no "control" block: redback cannot stop or start it`, {
      hint: 'add control: {type: systemd, unit: redis-server.service} (or type exec with start/stop commands, or type process) to the instance',
      details: { instance: spec.instance.name },
    });
  }
  switch (control.type) {
    case 'systemd':
      return new SystemdController(resolved, { type: 'systemd', unit: control.unit, systemctl: control.systemctl ?? 'systemctl' });
    case 'exec':
      return new ExecController(resolved, control);
    case 'process':
      return new ProcessController(resolved, { type: 'process', binary: control.binary ?? 'redis-server' });
  }
}
