import { randomBytes } from 'node:crypto';
import { RedbackError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/logger.js';

/** What the source announces before the data: the first message of an upload. */
export interface TransferHeader {
  transferId: string;
  bytes: number;
  sha256: string;
  manifestJson: string;
  sourceAgentId: string;
}

/** A message relayed to the target: the header, then data. */
export type RelayedChunk = { start: TransferHeader } | { data: Buffer };

/** The source's call as the relay drives it (the RPC handler adapts a gRPC client stream). */
export interface UploadEnd {
  /** Stop reading (HTTP/2 flow control then slows the source). */
  pause(): void;
  resume(): void;
  /** Answers the upload: every byte went through. */
  finish(bytes: number): void;
  fail(err: RedbackError): void;
}

/** The target's call as the relay drives it (the RPC handler adapts a gRPC server stream). */
export interface DownloadEnd {
  /** False when the call's buffer is full: the relay pauses the upload until `drained()`. */
  write(chunk: RelayedChunk): boolean;
  end(): void;
  fail(err: RedbackError): void;
}

/** The relay's side of an attached upload: the RPC handler calls these as the source's call goes. */
export interface UploadHandle {
  data(chunk: Buffer): void;
  /** The source half-closed its call. */
  finished(): void;
  /** The source's call broke (agent gone, cancelled). */
  aborted(why: string): void;
}

/** The relay's side of an attached download. */
export interface DownloadHandle {
  drained(): void;
  /** The target's call broke (agent gone, cancelled). */
  aborted(why: string): void;
}

export interface TransferRequest {
  sourceAgentId: string;
  targetAgentId: string;
  instance: string;
  backupId: string;
}

export type TransferState = 'waiting' | 'flowing' | 'done' | 'failed';

export interface TransferView extends TransferRequest {
  transferId: string;
  state: TransferState;
  createdAt: Date;
  expiresAt: Date;
  bytes: number | null;
  relayed: number;
  error: string | null;
}

interface Transfer extends TransferView {
  header: TransferHeader | null;
  upload: UploadEnd | null;
  download: DownloadEnd | null;
  /** The upload is paused because the download's buffer is full. */
  held: boolean;
  onEnd: Array<(t: TransferView) => void>;
}

export interface RelayOptions {
  /** How long a transfer waits for both agents to attach (default 10 minutes). */
  attachTimeoutMs?: number;
  /** Whether an agent has a live session (a transfer waiting on a disconnected agent fails). */
  isConnected?: (agentId: string) => boolean;
  sweepMs?: number;
}

const DEFAULT_ATTACH_TIMEOUT_MS = 10 * 60_000;

/**
 * The coordinator's relay of copies between agents. A transfer is created for one backup, one
 * source agent and one target agent, under a random id that only those two can use, once each:
 *
 * 1. the source attaches its upload with a header (size, SHA-256, manifest); the relay stops
 *    reading it until the target is there;
 * 2. the target attaches its download; it gets the header, then the data as it arrives;
 * 3. each data chunk read from the upload is written to the download; when that write reports a
 *    full buffer the upload is paused until the download drains, so at most one chunk per transfer
 *    sits here and a slow target slows the source (HTTP/2 flow control does the rest);
 * 4. when the source half-closes and every announced byte went through, the download ends OK and
 *    the upload is answered; anything else (fewer or more bytes, either call broken, an agent
 *    gone before attaching, the attach timeout, the coordinator stopping) fails both calls with
 *    TRANSFER_FAILED, and the transfer id is spent.
 * The relay never looks into the bytes: the target checks them (size, SHA-256, CRC-64).
 */
export class TransferRelay {
  private readonly transfers = new Map<string, Transfer>();
  private readonly timer: NodeJS.Timeout;
  private readonly attachTimeoutMs: number;

  constructor(
    private readonly logger: Logger,
    private readonly options: RelayOptions = {},
  ) {
    this.attachTimeoutMs = options.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS;
    this.timer = setInterval(() => this.sweep(), options.sweepMs ?? 1000);
    this.timer.unref();
  }

  /** A new transfer; the caller then asks the source to send (a `send-copy` job). */
  create(request: TransferRequest, now = new Date()): TransferView {
    const transfer: Transfer = {
      ...request,
      transferId: `xfer-${randomBytes(16).toString('hex')}`,
      state: 'waiting',
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.attachTimeoutMs),
      bytes: null,
      relayed: 0,
      error: null,
      header: null,
      upload: null,
      download: null,
      held: false,
      onEnd: [],
    };
    this.transfers.set(transfer.transferId, transfer);
    this.logger.info({ transferId: transfer.transferId, from: request.sourceAgentId, to: request.targetAgentId, instance: request.instance, backup: request.backupId }, 'transfer created');
    return view(transfer);
  }

  get(transferId: string): TransferView | null {
    const t = this.transfers.get(transferId);
    return t ? view(t) : null;
  }

  /** Transfers in progress (waiting or flowing). */
  list(): TransferView[] {
    return [...this.transfers.values()].map(view);
  }

  /** Calls `listener` once when the transfer ends (done or failed); nothing when it is not open. */
  onEnd(transferId: string, listener: (t: TransferView) => void): void {
    const t = this.transfers.get(transferId);
    if (!t) return;
    t.onEnd.push(listener);
  }

  /** The source attaches (its first message was `header`). */
  attachUpload(agentId: string, header: Omit<TransferHeader, 'sourceAgentId'>, end: UploadEnd): UploadHandle {
    const t = this.claim(header.transferId, agentId, 'upload');
    if (!Number.isSafeInteger(header.bytes) || header.bytes < 0 || !/^[0-9a-f]{64}$/.test(header.sha256)) {
      throw this.failNow(t, `the source announced a bad size or SHA-256`);
    }
    t.upload = end;
    t.header = { ...header, sourceAgentId: t.sourceAgentId };
    t.bytes = header.bytes;
    end.pause();
    this.logger.info({ transferId: t.transferId, bytes: header.bytes }, 'transfer upload attached');
    this.maybeFlow(t);
    return {
      data: (chunk) => this.onData(t, chunk),
      finished: () => this.onFinished(t),
      aborted: (why) => this.fail(t, `the source agent ${t.sourceAgentId} dropped the transfer (${why})`),
    };
  }

  /** The target attaches. */
  attachDownload(agentId: string, transferId: string, end: DownloadEnd): DownloadHandle {
    const t = this.claim(transferId, agentId, 'download');
    t.download = end;
    this.logger.info({ transferId: t.transferId }, 'transfer download attached');
    this.maybeFlow(t);
    return {
      drained: () => {
        if (t.held && t.state === 'flowing') {
          t.held = false;
          t.upload?.resume();
        }
      },
      aborted: (why) => this.fail(t, `the target agent ${t.targetAgentId} dropped the transfer (${why})`),
    };
  }

  /** Fails a transfer that has not ended (e.g. the job that would use it failed). */
  cancel(transferId: string, why: string): void {
    const t = this.transfers.get(transferId);
    if (t) this.fail(t, why);
  }

  /** Fails every open transfer (the coordinator is stopping). */
  stop(why = 'the coordinator is shutting down'): void {
    clearInterval(this.timer);
    for (const t of [...this.transfers.values()]) this.fail(t, why);
  }

  /** Finds the transfer for `agentId` to use as `side`, or throws (nothing is changed then). */
  private claim(transferId: string, agentId: string, side: 'upload' | 'download'): Transfer {
    const t = this.transfers.get(transferId);
    if (!t) {
      throw new RedbackError('NOT_FOUND', `no transfer ${transferId.slice(0, 48)} (unknown, used, failed or expired)`, {
        hint: 'start the copy again: redback copy --backup ID --to-agent AGENT',
      });
    }
    const owner = side === 'upload' ? t.sourceAgentId : t.targetAgentId;
    if (agentId !== owner) {
      this.logger.warn({ transferId, agent: agentId, side }, 'transfer refused: not the bound agent');
      throw new RedbackError('AUTH_FAILED', `transfer ${transferId} is not for agent ${agentId}`, {
        hint: `only the ${side === 'upload' ? 'source' : 'target'} agent the coordinator chose may ${side} it`,
      });
    }
    if ((side === 'upload' ? t.upload : t.download) !== null || t.state === 'done' || t.state === 'failed') {
      throw new RedbackError('NOT_FOUND', `transfer ${transferId} was already used`, {
        hint: 'transfer ids are single-use: start the copy again',
      });
    }
    return t;
  }

  private maybeFlow(t: Transfer): void {
    if (t.state !== 'waiting' || !t.upload || !t.download || !t.header) return;
    t.state = 'flowing';
    if (!t.download.write({ start: t.header })) t.held = true;
    else t.upload.resume();
  }

  private onData(t: Transfer, chunk: Buffer): void {
    if (t.state !== 'flowing') return;
    t.relayed += chunk.length;
    if (t.relayed > t.bytes!) {
      this.fail(t, `the source sent more than the ${t.bytes} bytes it announced`);
      return;
    }
    if (!t.download!.write({ data: chunk }) && !t.held) {
      t.held = true;
      t.upload!.pause();
    }
  }

  private onFinished(t: Transfer): void {
    if (t.state !== 'flowing') {
      if (t.state === 'waiting') this.fail(t, 'the source ended its upload before the target attached');
      return;
    }
    if (t.relayed !== t.bytes) {
      this.fail(t, `the source ended after ${t.relayed} of the ${t.bytes} bytes it announced`);
      return;
    }
    t.state = 'done';
    t.download!.end();
    t.upload!.finish(t.relayed);
    this.logger.info({ transferId: t.transferId, bytes: t.relayed, ms: Date.now() - t.createdAt.getTime() }, 'transfer relayed');
    this.finish(t);
  }

  /** Fails the transfer and returns the error for a caller that throws it. */
  private failNow(t: Transfer, why: string): RedbackError {
    const err = transferError(why);
    this.fail(t, why);
    return err;
  }

  private fail(t: Transfer, why: string): void {
    if (t.state === 'done' || t.state === 'failed') return;
    t.state = 'failed';
    t.error = why;
    const err = transferError(why);
    this.logger.warn({ transferId: t.transferId, relayed: t.relayed, bytes: t.bytes, why }, 'transfer failed');
    t.upload?.fail(err);
    t.download?.fail(err);
    this.finish(t);
  }

  private finish(t: Transfer): void {
    this.transfers.delete(t.transferId);
    const listeners = t.onEnd;
    t.onEnd = [];
    for (const listener of listeners) {
      try {
        listener(view(t));
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'transfer listener failed');
      }
    }
  }

  /** Fails transfers still waiting for an agent past their deadline, or whose agent went away. */
  private sweep(now = Date.now()): void {
    for (const t of [...this.transfers.values()]) {
      if (t.state !== 'waiting') continue;
      if (now >= t.expiresAt.getTime()) {
        this.fail(t, `${!t.upload ? `the source agent ${t.sourceAgentId}` : `the target agent ${t.targetAgentId}`} did not attach within ${Math.round(this.attachTimeoutMs / 1000)} s`);
        continue;
      }
      const connected = this.options.isConnected;
      if (!connected) continue;
      if (!t.upload && !connected(t.sourceAgentId)) this.fail(t, `the source agent ${t.sourceAgentId} is not connected`);
      else if (!t.download && !connected(t.targetAgentId)) this.fail(t, `the target agent ${t.targetAgentId} is not connected`);
    }
  }
}

export function transferError(why: string): RedbackError {
  return new RedbackError('TRANSFER_FAILED', `transfer failed: ${why}`, {
    hint: 'the target was left as it was; once both agents are connected (redback agents), run the copy or restore again',
  });
}

function view(t: Transfer): TransferView {
  return {
    transferId: t.transferId,
    sourceAgentId: t.sourceAgentId,
    targetAgentId: t.targetAgentId,
    instance: t.instance,
    backupId: t.backupId,
    state: t.state,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    bytes: t.bytes,
    relayed: t.relayed,
    error: t.error,
  };
}
