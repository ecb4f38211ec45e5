/**
 * Test points for crash drills (pgBackRest-style): when REDBACK_FAILPOINT names this point, the
 * process announces it on stderr and stops there (it keeps running so a test can kill -9 it at a
 * known moment). No effect otherwise.
 */
export async function hangAtFailpoint(name: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.REDBACK_FAILPOINT !== name) return;
  process.stderr.write(`redback: failpoint ${name} reached (pid ${process.pid})\n`);
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}
