/**
 * Failpoints: named places in production code where a test can make the process die as if
 * `kill -9` hit it at exactly that point, without timing. A test starts the real CLI with
 *
 *   REDBACK_FAILPOINT=step:move-aside:before          (one name, or several separated by commas)
 *
 * and the process SIGKILLs itself when it reaches a matching `failpoint(name)` call. Names used:
 *
 *   step:<step>:before            a runbook step is journaled `running`, before it does anything
 *   step:<step>:after             the step did its work, before it is journaled `done`
 *   rollback:<step>:before|after  likewise for a step's rollback
 *   move:<what>:before-rename     a move aside is journaled (planned), the rename not done yet
 *   move:<what>:after-rename      the file or directory is renamed, the journal not updated yet
 *
 *   transfer:send:half            the source agent of a transfer has sent half the bytes
 *
 * Without the variable a call is one property read. Never set it in production.
 */
export function failpoint(name: string): void {
  const spec = process.env.REDBACK_FAILPOINT;
  if (!spec) return;
  if (spec === name || spec.split(',').some((s) => s.trim() === name)) {
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL is delivered before this process runs another JavaScript statement; block anyway.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

/**
 * A failpoint that changes behaviour instead of killing: true when `name` is listed in
 * REDBACK_FAILPOINT. Names used:
 *
 *   transfer:send:corrupt         the source agent flips one byte of the data it sends (in flight)
 *   transfer:send:stall           the source agent stops sending at half the bytes and waits
 */
export function failpointActive(name: string): boolean {
  const spec = process.env.REDBACK_FAILPOINT;
  if (!spec) return false;
  return spec === name || spec.split(',').some((s) => s.trim() === name);
}
