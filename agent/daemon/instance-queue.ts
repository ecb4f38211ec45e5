/**
 * Runs work for one instance at a time, in order, inside this process (the lock file guards
 * against other processes). `drain()` waits for everything queued so far.
 *
 * Lanes: work in the `instance` lane (snapshots, prune, verify, policy, and the pin step of an
 * upload) runs one at a time per instance; the `offsite` lane serializes the long part of offsite
 * uploads per instance without holding the `instance` lane, so an hour-long upload never delays
 * that instance's hourly snapshot (the upload reads files it pinned under the instance lane).
 */
export type QueueLane = 'instance' | 'offsite';

export class InstanceQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(instance: string, work: () => Promise<T>, lane: QueueLane = 'instance'): Promise<T> {
    const key = `${lane}\0${instance}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
