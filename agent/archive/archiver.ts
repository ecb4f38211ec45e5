import { createHash } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError, isRedbackError } from '../../shared/errors/index.js';
import {
  ARCHIVE_HISTORY_FORMAT,
  ARCHIVE_RECORD_FORMAT,
  ArchiveKeys,
  epochId,
  isoToUnix,
  sealArchiveHistory,
  sealArchiveRecord,
  serializeArchiveJson,
  type ArchiveEpoch,
  type ArchiveGap,
  type ArchiveHistory,
  type ArchiveRecord,
} from '../../shared/offsite/archive-layout.js';
import { loadArchiveHistory, loadArchiveRecord, putJson, writeArchiveHistory } from '../../shared/offsite/archive-store.js';
import { encodeObject, SEGMENT_BYTES_DEFAULT, type CodedStream, type Compression } from '../../shared/offsite/object-codec.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { loadOperatorKey, newDataKey, wrapDataKey, type OperatorKeySource } from '../../shared/offsite/set-keys.js';
import { failpoint } from '../../shared/testing/failpoints.js';
import { PRODUCER } from '../../shared/version/version.js';
import type { AgentContext } from '../agent-context.js';
import { aofManifestPath, readAofManifest, type AofManifest } from '../aof/aof-manifest.js';
import { discoverLayout } from '../redis/discover.js';
import { readInfo } from '../redis/info.js';
import { connectRedis, type ConnectedRedis } from '../redis/redis-client.js';
import { agentIdOf } from '../session/coordinator-link.js';
import { acquireInstanceLock } from '../store/instance-lock.js';
import { scanAof } from './aof-scan.js';
import {
  archiveLockPath,
  loadArchiverState,
  saveArchiveStatus,
  saveArchiverState,
  STATE_VERSION,
  type ArchiverState,
  type ArchiveStatus,
  type OpenEpoch,
  type ShippedIncr,
} from './archive-state.js';

/** Bytes before the shipped offset re-hashed each round: a file rewritten or truncated underneath shows. */
export const TAIL_BYTES = 4096;
/** Largest segment (a round ships more as several segments). */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** `<dir>/.redback-archive-<instance>/`: hard links that keep unshipped AOF files from Redis's clean-up. */
export const ARCHIVE_LINK_PREFIX = '.redback-archive-';

export interface ArchiverOptions {
  target: OffsiteTarget;
  /** Names the target in the state (another target or prefix starts a new archive state). */
  targetId: string;
  prefix: string;
  compression: Compression;
  level?: number;
  encryption?: OperatorKeySource | undefined;
  intervalMs: number;
  env?: NodeJS.ProcessEnv;
  maxSegmentBytes?: number;
}

export interface RoundOutcome {
  status: ArchiveStatus;
  /** Segments committed this round. */
  segments: number;
  /** Plaintext AOF bytes shipped / stored bytes uploaded this round (data objects and records). */
  shippedBytes: number;
  uploadedBytes: number;
  gaps: ArchiveGap[];
}

type GapReason = ArchiveGap['reason'];

class GapFound extends Error {
  constructor(
    readonly reason: GapReason,
    readonly detail: string,
    /** The next epoch must start at a base of at least this generation (null: the current base will do). */
    readonly nextBaseGen: number | null,
  ) {
    super(detail);
  }
}

/**
 * Ships one instance's AOF to the offsite target as it grows (archive-layout.ts): each base file
 * once, and the bytes appended to the incr files since the last round as numbered segments.
 *
 * A round (every `intervalMs`): check appendonly + aof-timestamp-enabled; read Redis's AOF
 * manifest; hard-link every file it lists into `<dir>/.redback-archive-<instance>/` (so a rewrite's
 * clean-up cannot delete bytes not shipped yet); check that the manifest continues the epoch's
 * history (incr seqs follow on, no file replaced or shrunk, no full resync from another master);
 * ship the new bytes of each incr file (cut at a command boundary while Redis still appends to
 * it), then any new base; after each committed object write the local state atomically. A
 * history that cannot be continued closes the epoch as a gap (ARCHIVE_GAP) and a new epoch starts
 * from the base Redis has then (or the next one, after a resync from another history).
 */
export class Archiver {
  private state: ArchiverState | null = null;
  private redis: ConnectedRedis | null = null;
  private resumeChecked = false;
  private readonly keys: ArchiveKeys;
  private readonly agentId: string;
  private operatorKey: Buffer | null | undefined;
  private totals = { shippedBytes: 0, uploadedBytes: 0, segments: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** The archive lock of the instance (one archiver per instance, across processes), held until stop(). */
  private releaseLock: (() => Promise<void>) | null = null;

  constructor(
    private readonly ctx: AgentContext,
    private readonly instance: InstanceConfig,
    private readonly options: ArchiverOptions,
  ) {
    this.agentId = agentIdOf(ctx.config);
    this.keys = new ArchiveKeys(options.prefix, { agentId: this.agentId, instance: instance.name });
  }

  /** Runs rounds every intervalMs until stop(). Errors are logged and written to the status. */
  start(): void {
    const tick = async () => {
      this.timer = null;
      if (this.stopped) return;
      this.running = this.runRound().catch(() => undefined);
      await this.running;
      this.running = null;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.redis?.close().catch(() => undefined);
    this.redis = null;
    await this.releaseLock?.();
    this.releaseLock = null;
  }

  /** One round; the status is saved whatever happens. Throws what went wrong (after saving it). */
  async runRound(): Promise<RoundOutcome> {
    // Another archiver of this instance (the daemon, a second command) runs: LOCKED, and its status stays its own.
    this.releaseLock ??= await acquireInstanceLock(archiveLockPath(this.ctx.layout, this.instance.name), 'aof archive');
    const before = { ...this.totals };
    const gaps: ArchiveGap[] = [];
    let error: ArchiveStatus['error'] = null;
    let lagBytes = 0;
    try {
      lagBytes = await this.round(gaps);
    } catch (err) {
      const e = isRedbackError(err) ? err : new RedbackError('INTERNAL', (err as Error).message);
      error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
      this.ctx.logger.error({ instance: this.instance.name, code: e.code, err: e.message, hint: e.hint }, 'AOF archive round failed');
      await this.redis?.close().catch(() => undefined);
      this.redis = null;
    }
    const status = await this.writeStatus(lagBytes, error, gaps);
    const outcome: RoundOutcome = {
      status,
      segments: this.totals.segments - before.segments,
      shippedBytes: this.totals.shippedBytes - before.shippedBytes,
      uploadedBytes: this.totals.uploadedBytes - before.uploadedBytes,
      gaps,
    };
    if (error) throw new RedbackError(error.code as never, error.message, error.hint ? { hint: error.hint } : {});
    return outcome;
  }

  /** Totals since this archiver started (the bench and tests read them). */
  counters(): { shippedBytes: number; uploadedBytes: number; segments: number } {
    return { ...this.totals };
  }

  private async connection(): Promise<ConnectedRedis> {
    if (!this.redis) this.redis = await connectRedis(this.instance, { connectTimeoutMs: 5000, commandTimeoutMs: 10_000 });
    return this.redis;
  }

  private async loadState(): Promise<ArchiverState> {
    if (this.state) return this.state;
    const saved = await loadArchiverState(this.ctx.layout, this.instance.name);
    if (saved && saved.target === this.options.targetId && saved.agentId === this.agentId) {
      this.state = saved;
      return saved;
    }
    // No local state for this target: continue the numbering of what is offsite; an epoch left
    // open there (state lost, another host) cannot be continued safely: it ends with a gap.
    const loaded = await loadArchiveHistory(this.options.target, this.keys);
    let history = loaded.history;
    if (history) {
      const open = history.epochs[history.epochs.length - 1];
      if (open && !open.closed) {
        const now = this.ctx.clock.now().toISOString();
        history = sealArchiveHistory({
          ...history,
          epochs: history.epochs.map((e) => (e === open ? { ...e, closed: { at: now, reason: 'files-vanished', detail: 'the archiver lost its local state; the epoch cannot be continued' } } : e)),
          gaps: [...history.gaps, { afterEpoch: open.id, beforeEpoch: null, fromTs: open.lastTs, toTs: null, reason: 'files-vanished', detail: 'the archiver lost its local state', detectedAt: now }],
          updatedAt: now,
        });
      }
    }
    this.state = {
      version: STATE_VERSION,
      agentId: this.agentId,
      instance: this.instance.name,
      target: this.options.targetId,
      epoch: null,
      nextBaseGen: null,
      replid: null,
      history,
      caughtUpAt: null,
    };
    return this.state;
  }

  private async save(): Promise<void> {
    await saveArchiverState(this.ctx.layout, this.state!);
  }

  /** One round; returns the bytes left unshipped. */
  private async round(gaps: ArchiveGap[]): Promise<number> {
    const roundStart = this.ctx.clock.now();
    const state = await this.loadState();
    if (state.historyDirty && state.history) await this.writeHistory();
    let redis = await this.connection();
    let config: Record<string, string>;
    try {
      config = await configGet(redis, ['appendonly', 'aof-timestamp-enabled', 'appendfilename']);
    } catch {
      // the kept connection died with a restarted Redis: one fresh connection, then errors count
      await this.redis?.close().catch(() => undefined);
      this.redis = null;
      redis = await this.connection();
      config = await configGet(redis, ['appendonly', 'aof-timestamp-enabled', 'appendfilename']);
    }
    if (config.appendonly !== 'yes' || config['aof-timestamp-enabled'] !== 'yes') {
      throw new RedbackError('CONFIG_INVALID', `continuous archiving of ${this.instance.name} needs appendonly yes and aof-timestamp-enabled yes (the server has appendonly ${config.appendonly ?? '?'}, aof-timestamp-enabled ${config['aof-timestamp-enabled'] ?? '?'})`, {
        hint: `apply a policy with archive: true (redback policy apply --instance ${this.instance.name}), or CONFIG SET both and CONFIG REWRITE`,
      });
    }
    const layout = await discoverLayout(redis, this.instance);
    const repl = await readInfo(redis, 'replication');
    const manifest = await readAofManifest(aofManifestPath(layout.dir, layout.appenddirname, config.appendfilename || undefined));
    const linkDir = join(layout.dir, `${ARCHIVE_LINK_PREFIX}${this.instance.name}`);
    await mkdir(linkDir, { recursive: true, mode: 0o700 });
    const links = await this.linkManifestFiles(manifest, linkDir);

    // Another history: a replica that fully resynced (its dataset replaced, then a new base).
    const replid = repl.master_replid ?? null;
    if (state.epoch && state.replid && replid && replid !== state.replid && repl.role === 'slave' && repl.master_replid2 !== state.replid) {
      await this.closeEpoch(gaps, new GapFound('other-history', `master_replid changed from ${state.replid} to ${replid} (a full resync from another history)`, (manifest.base?.seq ?? 0) + 1));
    }
    if (replid) state.replid = replid;

    if (state.epoch) {
      try {
        await this.followManifest(state.epoch, manifest, links, linkDir);
      } catch (err) {
        if (!(err instanceof GapFound)) throw err;
        await this.closeEpoch(gaps, err);
      }
    }
    if (!state.epoch) {
      // No open epoch needs a link now: links of a previous history (an AOF directory deleted
      // and started over has files of the same names) are dropped, and the new epoch starts only
      // from the files Redis lists now.
      await this.dropStaleLinks(manifest, linkDir);
      await this.openEpoch(manifest, await this.linkManifestFiles(manifest, linkDir), gaps);
    }
    if (!state.epoch) return 0;

    try {
      if (!this.resumeChecked) {
        await this.adoptCommitted(state.epoch, linkDir);
        this.resumeChecked = true;
      }
      const lag = await this.shipIncrs(state.epoch, manifest, linkDir);
      state.caughtUpAt = roundStart.toISOString();
      await this.shipBases(state.epoch, manifest, linkDir);
      await this.save();
      await this.pruneLinks(state.epoch, manifest, linkDir);
      return lag.bytes;
    } catch (err) {
      if (!(err instanceof GapFound)) throw err;
      await this.closeEpoch(gaps, err);
      await this.save();
      return 0;
    }
  }

  /** Hard-links each file the manifest lists (base, incrs) into linkDir; returns name → link path (absent: vanished). */
  private async linkManifestFiles(manifest: AofManifest, linkDir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const entry of [...(manifest.base ? [manifest.base] : []), ...manifest.incrs]) {
      const source = join(manifest.dir, entry.name);
      const dest = join(linkDir, entry.name);
      try {
        await link(source, dest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // a rewrite removed it between the manifest read and now
        if (code !== 'EEXIST') {
          throw new RedbackError('STORAGE_ERROR', `cannot hard-link ${source} into ${linkDir}: ${code ?? (err as Error).message}`, {
            hint: 'the agent needs write access to the Redis dir (same file system as the AOF directory) to keep unshipped AOF files from clean-up',
          });
        }
        const [a, b] = await Promise.all([stat(source).catch(() => null), stat(dest)]);
        if (a && (a.ino !== b.ino || a.dev !== b.dev)) {
          // Same name, another file: not the history the link holds. The caller decides (gap or a fresh epoch).
          out.set(`replaced:${entry.name}`, dest);
        }
      }
      out.set(entry.name, dest);
    }
    return out;
  }

  /**
   * With no epoch open: removes every link in linkDir that is not the very file (same inode) the
   * manifest lists under that name now. They are the agent's own links (the live files stay).
   */
  private async dropStaleLinks(manifest: AofManifest, linkDir: string): Promise<void> {
    const listed = new Set([...(manifest.base ? [manifest.base.name] : []), ...manifest.incrs.map((e) => e.name)]);
    for (const name of await readdir(linkDir).catch(() => [] as string[])) {
      const path = join(linkDir, name);
      if (listed.has(name)) {
        const [live, kept] = await Promise.all([stat(join(manifest.dir, name)).catch(() => null), lstat(path).catch(() => null)]);
        if (live && kept && live.ino === kept.ino && live.dev === kept.dev) continue;
      }
      await rm(path, { force: true });
      this.ctx.logger.info({ instance: this.instance.name, link: path }, 'dropped a link of a closed AOF history');
    }
  }

  /** Checks that the manifest continues the epoch and adds new incr files and bases to it. Throws GapFound. */
  private async followManifest(epoch: OpenEpoch, manifest: AofManifest, links: Map<string, string>, linkDir: string): Promise<void> {
    const last = epoch.incrs[epoch.incrs.length - 1]!;
    const baseGen = manifest.base?.seq ?? 0;
    for (const incr of epoch.incrs) {
      if (links.has(`replaced:${incr.file}`)) {
        throw new GapFound('replaced', `${incr.file} was replaced by another file of the same name`, null);
      }
      if (incr.done) continue;
      const linked = await lstat(join(linkDir, incr.file)).catch(() => null);
      if (!linked) throw new GapFound('files-vanished', `${incr.file} (shipped to byte ${incr.offset}) vanished before it was shipped whole`, null);
    }
    const newer = manifest.incrs.filter((e) => e.seq > last.seq).sort((a, b) => a.seq - b.seq);
    if (manifest.incrs.length > 0 && manifest.incrs.every((e) => e.seq < last.seq)) {
      throw new GapFound('other-history', `the AOF manifest's incr files (up to seq ${Math.max(...manifest.incrs.map((e) => e.seq))}) are older than ${last.file}`, null);
    }
    let expect = last.seq + 1;
    for (const e of newer) {
      if (e.seq !== expect) {
        throw new GapFound('missed-rewrite', `incr files ${expect}..${e.seq - 1} came and went between two rounds (AOF rewrites faster than the ${this.options.intervalMs} ms interval); ${e.name} does not follow ${last.file}`, null);
      }
      if (!links.has(e.name)) throw new GapFound('files-vanished', `${e.name} vanished before it could be linked`, null);
      expect++;
    }
    let changed = false;
    for (const e of newer) {
      epoch.incrs.push({ file: e.name, seq: e.seq, offset: 0, segment: 0, lastSha: null, tailSha: null, inode: await inodeOf(links.get(e.name)!), done: false });
      this.historyEpoch().incrs.push({ file: e.name, seq: e.seq, prefix: this.keys.incrPrefix(epoch.id, e.name) });
      changed = true;
    }
    const known = Math.max(...epoch.shippedBases, ...this.historyEpoch().bases.map((b) => b.gen));
    if (manifest.base && baseGen > known && links.has(manifest.base.name) && manifest.incrs[0]) {
      await this.addBase(epoch, manifest, links);
      changed = true;
    }
    if (changed) await this.writeHistory();
  }

  private historyEpoch(): ArchiveEpoch {
    const h = this.state!.history!;
    return h.epochs[h.epochs.length - 1]!;
  }

  private async addBase(epoch: OpenEpoch, manifest: AofManifest, links: Map<string, string>): Promise<void> {
    const base = manifest.base!;
    const info = await stat(links.get(base.name)!);
    const encoding = { compressed: this.options.compression === 'zstd', encrypted: (await this.opKey()) !== null };
    this.historyEpoch().bases.push({
      gen: base.seq,
      file: base.name,
      key: this.keys.baseKey(epoch.id, base.seq, base.name, encoding),
      recordKey: this.keys.baseRecordKey(epoch.id, base.seq, base.name),
      asOf: info.mtime.toISOString(),
      firstIncr: manifest.incrs[0]!.name,
    });
  }

  /** Starts an epoch from the manifest's base (when it is there and new enough). */
  private async openEpoch(manifest: AofManifest, links: Map<string, string>, gaps: ArchiveGap[]): Promise<void> {
    const state = this.state!;
    const base = manifest.base;
    if (!base || !links.has(base.name) || manifest.incrs.length === 0 || manifest.incrs.some((e) => !links.has(e.name))) return;
    // A link that is not the live file (replaced between two reads): not this history; next round.
    if ([...links.keys()].some((k) => k.startsWith('replaced:'))) return;
    if (state.nextBaseGen !== null && base.seq < state.nextBaseGen) return;
    const now = this.ctx.clock.now();
    const previous = state.history?.epochs ?? [];
    const number = (previous.length ? Number(previous[previous.length - 1]!.id.slice(1, 7)) : 0) + 1;
    const id = epochId(number, now);
    const epoch: OpenEpoch = { id, number, shippedBases: [], incrs: [] };
    for (const e of [...manifest.incrs].sort((a, b) => a.seq - b.seq)) {
      epoch.incrs.push({ file: e.name, seq: e.seq, offset: 0, segment: 0, lastSha: null, tailSha: null, inode: await inodeOf(links.get(e.name)!), done: false });
    }
    const history: ArchiveHistory = state.history ?? sealArchiveHistory({
      format: ARCHIVE_HISTORY_FORMAT,
      agentId: this.agentId,
      instance: this.instance.name,
      epochs: [],
      gaps: [],
      updatedAt: now.toISOString(),
      producer: PRODUCER,
    });
    history.epochs.push({
      id,
      startedAt: now.toISOString(),
      replid: state.replid,
      bases: [],
      incrs: epoch.incrs.map((i) => ({ file: i.file, seq: i.seq, prefix: this.keys.incrPrefix(id, i.file) })),
      firstTs: null,
      lastTs: null,
      closed: null,
    });
    state.history = history;
    state.epoch = epoch;
    await this.addBase(epoch, manifest, links);
    const asOf = isoToUnix(this.historyEpoch().bases[0]!.asOf);
    for (const g of history.gaps) {
      if (g.beforeEpoch === null) {
        g.beforeEpoch = id;
        g.toTs = asOf;
      }
    }
    for (const g of gaps) if (g.beforeEpoch === null) Object.assign(g, { beforeEpoch: id, toTs: asOf });
    state.nextBaseGen = null;
    state.caughtUpAt = null;
    this.resumeChecked = true;
    await this.writeHistory();
    this.ctx.logger.info({ instance: this.instance.name, epoch: id, base: base.name, incrs: epoch.incrs.map((i) => i.file) }, 'AOF archive epoch started');
  }

  private async closeEpoch(gaps: ArchiveGap[], gap: GapFound): Promise<void> {
    const state = this.state!;
    if (!state.epoch) return;
    const now = this.ctx.clock.now().toISOString();
    const he = this.historyEpoch();
    he.closed = { at: now, reason: gap.reason, detail: gap.detail };
    const entry: ArchiveGap = { afterEpoch: he.id, beforeEpoch: null, fromTs: he.lastTs, toTs: null, reason: gap.reason, detail: gap.detail, detectedAt: now };
    state.history!.gaps.push(entry);
    gaps.push({ ...entry });
    state.epoch = null;
    state.nextBaseGen = gap.nextBaseGen;
    state.caughtUpAt = null;
    this.ctx.logger.error({ instance: this.instance.name, code: 'ARCHIVE_GAP', epoch: he.id, reason: gap.reason, detail: gap.detail }, `ARCHIVE_GAP on ${this.instance.name}: ${gap.detail}; a new epoch starts from the next base`);
    await this.writeHistory();
  }

  /** Seals the local history and writes it offsite; marked dirty in the local state first, so a kill in between rewrites it next round. */
  private async writeHistory(): Promise<void> {
    const state = this.state!;
    const { checksum: _c, ...body } = state.history!;
    state.history = sealArchiveHistory({ ...body, updatedAt: this.ctx.clock.now().toISOString(), producer: PRODUCER });
    state.historyDirty = true;
    await this.save();
    await writeArchiveHistory(this.options.target, this.keys, state.history);
    state.historyDirty = false;
    await this.save();
    this.totals.uploadedBytes += 2 * Buffer.byteLength(serializeArchiveJson(state.history));
  }

  private async opKey(): Promise<Buffer | null> {
    if (this.operatorKey === undefined) this.operatorKey = loadOperatorKey(this.options.encryption, this.options.env ?? process.env);
    return this.operatorKey;
  }

  /**
   * After a restart: segments (and bases) whose record was committed before the state was
   * written (a kill between the two) are adopted, after checking the local bytes still hash the
   * same; data objects without a record are removed (they are re-uploaded).
   */
  private async adoptCommitted(epoch: OpenEpoch, linkDir: string): Promise<void> {
    for (const incr of epoch.incrs) {
      if (incr.done) continue;
      for (;;) {
        const rec = await loadArchiveRecord(this.options.target, this.keys.segmentRecordKey(epoch.id, incr.file, incr.segment));
        if (!rec || 'problem' in rec || rec.start !== incr.offset) break;
        const bytes = await readRange(join(linkDir, incr.file), rec.start, rec.end);
        if (sha256(bytes) !== rec.plainSha256) throw new GapFound('replaced', `${incr.file} bytes ${rec.start}..${rec.end} differ from the committed segment ${rec.segment}`, null);
        this.advance(incr, rec, bytes);
        this.ctx.logger.info({ instance: this.instance.name, file: incr.file, segment: rec.segment }, 'adopted a segment committed before a restart');
      }
      const prefix = this.keys.incrPrefix(epoch.id, incr.file);
      const orphans: string[] = [];
      for await (const entry of this.options.target.list(prefix)) {
        const p = this.keys.parseSegmentName(entry.key.slice(prefix.length));
        if (p && p.kind === 'data' && p.segment >= incr.segment) orphans.push(entry.key);
      }
      for (const key of orphans) await this.options.target.delete(key);
    }
    for (const base of this.historyEpoch().bases) {
      if (epoch.shippedBases.includes(base.gen)) continue;
      const rec = await loadArchiveRecord(this.options.target, base.recordKey);
      if (rec && !('problem' in rec)) epoch.shippedBases.push(base.gen);
    }
    await this.save();
  }

  private advance(incr: ShippedIncr, rec: ArchiveRecord, bytes: Buffer): void {
    incr.offset = rec.end;
    incr.segment = rec.segment + 1;
    incr.lastSha = rec.plainSha256;
    incr.tailSha = sha256(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)));
    incr.tailLen = Math.min(bytes.length, TAIL_BYTES);
    const he = this.historyEpoch();
    if (rec.firstTs !== null && he.firstTs === null) he.firstTs = rec.firstTs;
    if (rec.lastTs !== null) he.lastTs = Math.max(he.lastTs ?? rec.lastTs, rec.lastTs);
  }

  /** Ships new bytes of every incr file not done; returns the bytes left and whether all was shipped. */
  private async shipIncrs(epoch: OpenEpoch, manifest: AofManifest, linkDir: string): Promise<{ bytes: number }> {
    const current = manifest.incrs.length ? manifest.incrs.reduce((a, b) => (b.seq > a.seq ? b : a)) : null;
    let left = 0;
    for (const incr of epoch.incrs) {
      if (incr.done) continue;
      const path = join(linkDir, incr.file);
      const isCurrent = current?.name === incr.file;
      const handle = await open(path, 'r');
      try {
        let size = (await handle.stat()).size;
        if (size < incr.offset) throw new GapFound('truncated', `${incr.file} shrank to ${size} bytes below the ${incr.offset} already shipped`, null);
        if (incr.tailSha && incr.offset > 0) {
          const len = incr.tailLen ?? Math.min(TAIL_BYTES, incr.offset);
          const tail = Buffer.alloc(len);
          await handle.read(tail, 0, len, incr.offset - len);
          if (sha256(tail) !== incr.tailSha) throw new GapFound('truncated', `${incr.file} changed below the ${incr.offset} bytes already shipped (truncated and rewritten)`, null);
        }
        while (incr.offset < size) {
          const want = Math.min(size - incr.offset, this.options.maxSegmentBytes ?? MAX_SEGMENT_BYTES);
          const buf = Buffer.alloc(want);
          const { bytesRead } = await handle.read(buf, 0, want, incr.offset);
          const data = buf.subarray(0, bytesRead);
          const scan = scanAof(data);
          let take = isCurrent ? scan.boundary : data.length;
          if (take === 0 && data.length === want && want === (this.options.maxSegmentBytes ?? MAX_SEGMENT_BYTES)) take = data.length; // one command larger than a segment
          if (take === 0) break;
          const piece = data.subarray(0, take);
          const ts = take === scan.boundary ? scan : scanAof(piece);
          await this.shipSegment(epoch, incr, piece, ts.firstTs, ts.lastTs);
          if (take < data.length && isCurrent) break; // the rest is a command still being written
        }
        size = (await handle.stat()).size;
        if (!isCurrent && incr.offset >= size) {
          incr.done = true;
          await this.save();
        } else {
          left += size - incr.offset;
        }
      } finally {
        await handle.close();
      }
    }
    return { bytes: left };
  }

  private async shipSegment(epoch: OpenEpoch, incr: ShippedIncr, plain: Buffer, firstTs: number | null, lastTs: number | null): Promise<void> {
    const start = incr.offset;
    const end = start + plain.length;
    const opKey = await this.opKey();
    const encoding = { compressed: this.options.compression === 'zstd', encrypted: opKey !== null };
    const key = this.keys.segmentKey(epoch.id, incr.file, incr.segment, start, end, encoding);
    const stored = await this.uploadObject(key, () => Readable.from([plain]), plain.length, opKey);
    if (stored.digests.plainSha256 !== sha256(plain)) throw new RedbackError('INTERNAL', `segment ${key} hashed differently than its bytes`);
    failpoint('archive:after-upload');
    const record = sealArchiveRecord({
      format: ARCHIVE_RECORD_FORMAT,
      kind: 'segment',
      epoch: epoch.id,
      key,
      file: incr.file,
      fileSeq: incr.seq,
      segment: incr.segment,
      start,
      end,
      ...stored.digests,
      compression: this.options.compression,
      encryption: stored.encryption,
      firstTs,
      lastTs,
      prevPlainSha256: incr.lastSha,
      uploadedAt: this.ctx.clock.now().toISOString(),
    });
    const recordText = serializeArchiveJson(record);
    await putJson(this.options.target, this.keys.segmentRecordKey(epoch.id, incr.file, incr.segment), recordText);
    failpoint('archive:after-record');
    this.advance(incr, record, plain);
    this.totals.segments++;
    this.totals.shippedBytes += plain.length;
    this.totals.uploadedBytes += stored.digests.storedBytes + Buffer.byteLength(recordText);
    await this.save();
    failpoint('archive:after-state');
  }

  private async shipBases(epoch: OpenEpoch, manifest: AofManifest, linkDir: string): Promise<void> {
    for (const base of this.historyEpoch().bases) {
      if (epoch.shippedBases.includes(base.gen)) continue;
      const path = join(linkDir, base.file);
      const info = await stat(path).catch(() => null);
      if (!info) {
        if (base === this.historyEpoch().bases[0]) throw new GapFound('files-vanished', `the epoch's first base ${base.file} vanished before it was shipped`, null);
        continue; // a later base is a shortcut only: the incr files still carry the history
      }
      const opKey = await this.opKey();
      const handle = await open(path, 'r');
      try {
        const size = info.size;
        const stored = await this.uploadObject(
          base.key,
          () => (size === 0 ? Readable.from([]) : handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark: 1024 * 1024 })),
          size,
          opKey,
        );
        const record = sealArchiveRecord({
          format: ARCHIVE_RECORD_FORMAT,
          kind: 'base',
          epoch: epoch.id,
          key: base.key,
          file: base.file,
          fileSeq: base.gen,
          segment: 0,
          start: 0,
          end: size,
          ...stored.digests,
          compression: this.options.compression,
          encryption: stored.encryption,
          firstTs: null,
          lastTs: null,
          prevPlainSha256: null,
          uploadedAt: this.ctx.clock.now().toISOString(),
        });
        const text = serializeArchiveJson(record);
        await putJson(this.options.target, base.recordKey, text);
        epoch.shippedBases.push(base.gen);
        this.totals.uploadedBytes += stored.digests.storedBytes + Buffer.byteLength(text);
        await this.save();
        this.ctx.logger.info({ instance: this.instance.name, epoch: epoch.id, base: base.file, bytes: size }, 'AOF base archived');
      } finally {
        await handle.close();
      }
    }
    void manifest;
  }

  private async uploadObject(
    key: string,
    source: () => Readable,
    size: number,
    opKey: Buffer | null,
  ): Promise<{ digests: { plainBytes: number; plainSha256: string; storedBytes: number; storedSha256: string }; encryption: ArchiveRecord['encryption'] }> {
    const dataKey = opKey ? newDataKey() : null;
    const encryption = opKey && dataKey ? wrapDataKey(dataKey, opKey, key, SEGMENT_BYTES_DEFAULT) : null;
    let encoded: CodedStream | null = null;
    const body = (): Readable => {
      encoded = encodeObject(source(), { objectKey: key, compression: this.options.compression, ...(this.options.level !== undefined ? { level: this.options.level } : {}), dataKey });
      return encoded.stream;
    };
    await this.options.target.put(key, body, { maxSize: Math.ceil(size * 1.01) + 1024 * 1024 });
    if (!encoded) throw new RedbackError('INTERNAL', `the target stored ${key} without reading its body`);
    const digests = (encoded as CodedStream).digests();
    if (digests.plainBytes !== size) throw new RedbackError('STORAGE_ERROR', `read ${digests.plainBytes} bytes for ${key}, expected ${size}`);
    const st = await this.options.target.stat(key);
    if (!st || st.size !== digests.storedBytes) {
      throw new RedbackError('OFFSITE_ERROR', `${key} was stored with ${st?.size ?? 'no'} bytes, ${digests.storedBytes} were sent`, { hint: 'the offsite store did not keep what was sent; the next round uploads it again' });
    }
    return { digests, encryption };
  }

  /** Removes links of incr files shipped whole and of bases shipped, once Redis no longer lists them. */
  private async pruneLinks(epoch: OpenEpoch, manifest: AofManifest, linkDir: string): Promise<void> {
    const listed = new Set([...(manifest.base ? [manifest.base.name] : []), ...manifest.incrs.map((e) => e.name)]);
    const needed = new Set([...epoch.incrs.filter((i) => !i.done).map((i) => i.file), ...this.historyEpoch().bases.filter((b) => !epoch.shippedBases.includes(b.gen)).map((b) => b.file)]);
    for (const name of await readdir(linkDir).catch(() => [] as string[])) {
      if (needed.has(name)) continue;
      if (listed.has(name)) continue; // re-linked next round anyway; keep while Redis lists it
      await rm(join(linkDir, name), { force: true });
    }
    // Forget incr files shipped whole and no longer listed (the history keeps them).
    epoch.incrs = epoch.incrs.filter((i, idx) => !(i.done && !listed.has(i.file) && idx < epoch.incrs.length - 1));
  }

  private async writeStatus(lagBytes: number, error: ArchiveStatus['error'], gaps: ArchiveGap[]): Promise<ArchiveStatus> {
    const state = this.state;
    const now = this.ctx.clock.now();
    const history = state?.history ?? null;
    const caughtUp = state?.caughtUpAt ? new Date(state.caughtUpAt).getTime() : null;
    const status: ArchiveStatus = {
      instance: this.instance.name,
      enabled: true,
      state: error ? 'error' : gaps.length ? 'gap' : !state?.epoch ? 'starting' : caughtUp !== null && now.getTime() - caughtUp > 3 * this.options.intervalMs ? 'lagging' : 'ok',
      checkedAt: now.toISOString(),
      lagBytes,
      lagSeconds: caughtUp === null ? 0 : Math.max(0, Math.round((now.getTime() - caughtUp) / 1000)),
      caughtUpAt: state?.caughtUpAt ?? null,
      intervalMs: this.options.intervalMs,
      epoch: state?.epoch?.id ?? null,
      shippedBytes: this.totals.shippedBytes,
      uploadedBytes: this.totals.uploadedBytes,
      segments: this.totals.segments,
      coverage: (history?.epochs ?? []).map((e) => ({
        epoch: e.id,
        // restorable only once the epoch's first base is committed offsite
        fromTs: e.bases[0] && (e.closed !== null || e.id !== state?.epoch?.id || state.epoch.shippedBases.includes(e.bases[0].gen)) ? isoToUnix(e.bases[0].asOf) : null,
        toTs: e.lastTs,
        closed: e.closed !== null,
        closedReason: e.closed?.reason ?? null,
      })),
      gaps: history?.gaps ?? [],
      error,
    };
    await saveArchiveStatus(this.ctx.layout, status).catch((err) => this.ctx.logger.warn({ err: (err as Error).message }, 'cannot write the archive status'));
    return status;
  }
}

async function configGet(redis: ConnectedRedis, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
    for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]!] = reply[i + 1]!;
  }
  return out;
}

async function inodeOf(path: string): Promise<string | null> {
  const s = await stat(path).catch(() => null);
  return s ? `${s.dev}:${s.ino}` : null;
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** For tests and the bench: the record type of what was committed. */
export type { ArchiveRecord };
