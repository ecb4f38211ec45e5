import type { ToAgent } from './session-messages.js';

/** A connected agent as the rest of the coordinator sees it: something to send messages to. */
export interface LiveSession {
  readonly agentId: string;
  readonly connectedAt: Date;
  /** Queues a message; never blocks (a slow agent cannot stall the others). */
  send(message: ToAgent): void;
  close(reason: string): void;
  lastHeardAt: Date;
}

/** The agents connected right now, one session per agent id (a new session replaces the old). */
export class SessionRegistry {
  private readonly sessions = new Map<string, LiveSession>();

  add(session: LiveSession): void {
    const previous = this.sessions.get(session.agentId);
    this.sessions.set(session.agentId, session);
    if (previous && previous !== session) previous.close('replaced by a new session of the same agent');
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
