/**
 * Runs work for one instance at a time, in order, inside this process (the lock file guards
 * against other processes). `drain()` waits for everything queued so far.
 */
export class InstanceQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(instance: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(instance) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.tails.set(instance, tail);
    void tail.then(() => {
      if (this.tails.get(instance) === tail) this.tails.delete(instance);
    });
    return next;
  }

  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
