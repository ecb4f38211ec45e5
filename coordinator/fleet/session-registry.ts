import type { ToAgent } from './session-messages.js';

/** A connected agent as the rest of the coordinator sees it: something to send messages to. */
export interface LiveSession {
  readonly agentId: string;
  readonly connectedAt: Date;
  /** Queues a message; never blocks (a slow agent cannot stall the others). */
  send(message: ToAgent): void;
  close(reason: string): void;
  lastHeardAt: Date;
  /** The instances the agent's Hello announced: the only ones it may report on. */
  announced: Set<string>;
}

/** Second sessions refused for one agent id (two processes claiming one id). */
export interface DuplicateSessions {
  agentId: string;
  count: number;
  lastAt: Date;
  lastPeer: string;
}

/**
 * The agents connected right now, exactly one live session per agent id: a second session for a
 * connected id is refused (`add` returns false) and remembered, never a silent replacement.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly duplicates = new Map<string, DuplicateSessions>();

  /** Registers the session; false (and the refusal is recorded) when the id has a live session. */
  add(session: LiveSession, peer = ''): boolean {
    const current = this.sessions.get(session.agentId);
    if (current && current !== session) {
      const seen = this.duplicates.get(session.agentId);
      this.duplicates.set(session.agentId, { agentId: session.agentId, count: (seen?.count ?? 0) + 1, lastAt: new Date(), lastPeer: peer });
      return false;
    }
    this.sessions.set(session.agentId, session);
    return true;
  }

  /** Refused second sessions whose last attempt is at or after `since`. */
  duplicatesSince(since: Date): DuplicateSessions[] {
    return [...this.duplicates.values()].filter((d) => d.lastAt >= since);
  }

  forgetDuplicates(agentId: string): void {
    this.duplicates.delete(agentId);
  }

  /** Removes the session if it is still the current one for its agent. */
  remove(session: LiveSession): boolean {
    if (this.sessions.get(session.agentId) !== session) return false;
    this.sessions.delete(session.agentId);
    return true;
  }

  get(agentId: string): LiveSession | undefined {
    return this.sessions.get(agentId);
  }

  all(): LiveSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }
}
