/**
 * Fleet-wide schedule resolution and fork staggering. PURE: no I/O, no clock; the same members and
 * settings always give the same result, whatever order the members come in.
 *
 * Resolution, field by field (a `null` cron turns that tier off):
 *   DEFAULT_FLEET_SCHEDULE ← settings.defaults ← settings.instances[instance]
 *                          ← settings.instances[`${agentId}/${instance}`]
 *
 * Staggering. Every BGSAVE forks Redis (copy-on-write memory, disk bandwidth), so the coordinator
 * spreads forks over the hour:
 *   - A cron is *staggerable* when it has 5 fields and its minute field is one plain number
 *     (`0 * * * *`, `0 *\/2 * * *`, `30 3 * * *`). Only its minute is rewritten; hour, day, month and
 *     weekday stay as written.
 *   - Anything else (minute ranges, lists, steps, `*`, or 6 fields with seconds) is returned exactly
 *     as written. When such a cron still fires at one fixed minute, that minute counts toward the
 *     load below (counted first, because it cannot move).
 *   - Minutes are "slots" of the hour, counted in UTC minute-of-hour so that members in zones with
 *     a non-whole-hour offset (Asia/Kolkata +5:30) are compared correctly. The hour of a cron is
 *     ignored: two forks at :05 conflict even if one runs only at 03:05 (conservative and simple).
 *   - Constraints: (a) one host (agentId) never has two forks in the same slot; (b) at most
 *     `maxForksPerMinute` forks fleet-wide share a slot.
 *   - Members are processed sorted by `agentId/instance` (code-unit order). Each prefers the slot
 *     hash(`agentId/instance`) mod 60 and takes the first slot at or after it (cyclic) that
 *     satisfies both constraints (linear probing). A member's assignment depends only on the
 *     members sorted before it, and adding one member displaces at most a short chain of others.
 *   - When no slot satisfies both constraints (a host with more than 60 forks, a fleet above
 *     60 × maxForksPerMinute, or fixed crons that already crowd a minute), the member takes the
 *     least-loaded slot (fewest forks on its host, then fewest fleet-wide, first from its preference)
 *     and one warning per problem is returned.
 *
 * The daily tier. The agent's daily normally hard-links the day's first hourly copy (no fork), so:
 *   - When the member's hourly fires at one fixed minute m (staggered or not), a staggerable daily
 *     is put DAILY_OFFSET_MINUTES after it, so the copy it links already exists, and it is not
 *     counted as a fork. Minute wrap, when m + offset ≥ 60: the minute becomes m + offset − 60 and
 *     the hour moves forward by one — hour `*` stays `*`; a single hour H < 23 becomes H + 1; a
 *     list of plain hours has each H < 23 moved to H + 1; hour 23 stays 23 (moving it would cross
 *     midnight and make it the NEXT day's daily; at 23:0x that day's earlier copies exist);
 *     ranges/steps in the hour field are kept as written.
 *   - When the member has no fixed-minute hourly (tier off, or minute steps/lists), the daily is a
 *     fork of its own: a staggerable daily is placed like an hourly, and a fixed one is counted.
 */
import { createHash } from 'node:crypto';
import type { CoordinatorConfig } from '../../shared/config/coordinator-config.js';
import { DEFAULT_DAILY_CRON, DEFAULT_HOURLY_CRON, DEFAULT_RETENTION, DEFAULT_TIMEZONE } from '../../shared/config/schedule-defaults.js';

export interface FleetMember {
  agentId: string;
  instance: string;
}

export interface ResolvedSchedule {
  agentId: string;
  instance: string;
  /** null = the tier is off. */
  hourlyCron: string | null;
  dailyCron: string | null;
  timeZone: string;
  retention: { hourlyMs: number | null; dailyMs: number | null; manualMs: number | null };
  /** True when the coordinator chose the minute of at least one of the member's crons. */
  staggered: boolean;
  /**
   * Minute of the hour (in `timeZone`) of the member's scheduled fork: the hourly's minute when it
   * fires at one fixed minute, else the daily's when the daily is the fork; null otherwise.
   */
  minute: number | null;
}

export interface FleetScheduleResult {
  /** One per distinct member, sorted by `agentId/instance`. */
  schedules: ResolvedSchedule[];
  warnings: string[];
}

/** The same shape as a config schedule, every field set. */
export interface FleetScheduleDefaults {
  hourly: string | null;
  daily: string | null;
  timezone: string;
  retention: { hourly: number | null; daily: number | null; manual: number | null };
}


export const DEFAULT_FLEET_SCHEDULE: Readonly<FleetScheduleDefaults> = Object.freeze({
  hourly: DEFAULT_HOURLY_CRON,
  daily: DEFAULT_DAILY_CRON,
  timezone: DEFAULT_TIMEZONE,
  retention: DEFAULT_RETENTION,
});

/** Minutes between a member's hourly fork and its daily (which links that hourly copy). */
export const DAILY_OFFSET_MINUTES = 2;

const SLOTS = 60;

type ScheduleSettings = CoordinatorConfig['schedules'];
type ScheduleLayer = ScheduleSettings['defaults'];

interface Resolved {
  hourly: string | null;
  daily: string | null;
  timezone: string;
  retention: { hourly: number | null; daily: number | null; manual: number | null };
}

interface ParsedCron {
  original: string;
  fields: string[];
  /** 5 fields and a single plain-number minute. */
  staggerable: boolean;
  /** The minute (0–59, local) when the cron fires at one fixed minute, else null. */
  fixedMinute: number | null;
}

interface Work {
  key: string;
  agentId: string;
  instance: string;
  resolved: Resolved;
  shift: number;
  pref: number;
  hourly: ParsedCron | null;
  daily: ParsedCron | null;
  /** Local minute chosen for the hourly / daily (null = leave as written). */
  hourlyMinute: number | null;
  dailyCron: string | null;
  staggered: boolean;
  minute: number | null;
}

export function buildFleetSchedule(members: readonly FleetMember[], settings: ScheduleSettings): FleetScheduleResult {
  const warnings: string[] = [];
  const cap = Math.max(1, Math.floor(settings.maxForksPerMinute));

  // Canonical order: distinct members sorted by key, so input order never matters.
  const byKey = new Map<string, FleetMember>();
  const duplicates = new Set<string>();
  for (const m of members) {
    const key = memberKey(m);
    if (byKey.has(key)) duplicates.add(key);
    else byKey.set(key, m);
  }
  for (const key of [...duplicates].sort(compareCodeUnits)) warnings.push(`member ${key} listed more than once; scheduled once`);
  const keys = [...byKey.keys()].sort(compareCodeUnits);

  const work: Work[] = keys.map((key) => {
    const m = byKey.get(key)!;
    const resolved = resolveSchedule(m, settings);
    return {
      key,
      agentId: m.agentId,
      instance: m.instance,
      resolved,
      shift: zoneMinuteShift(resolved.timezone),
      pref: preferredSlot(key),
      hourly: resolved.hourly === null ? null : parseCron(resolved.hourly),
      daily: resolved.daily === null ? null : parseCron(resolved.daily),
      hourlyMinute: null,
      dailyCron: resolved.daily,
      staggered: false,
      minute: null,
    };
  });

  const load = new LoadTable(cap);

  // 1. Forks that cannot move are counted first.
  for (const w of work) {
    if (w.hourly && !w.hourly.staggerable && w.hourly.fixedMinute !== null) {
      load.add(w.agentId, toSlot(w.hourly.fixedMinute, w.shift), `${w.key} (hourly, as written)`);
    }
    if (w.daily && !w.daily.staggerable && w.daily.fixedMinute !== null && !hasHourlyAnchor(w)) {
      load.add(w.agentId, toSlot(w.daily.fixedMinute, w.shift), `${w.key} (daily, as written)`);
    }
  }

  // 2. Staggerable forks, in canonical order.
  for (const w of work) {
    if (w.hourly?.staggerable) {
      const slot = load.allocate(w.agentId, w.pref, `${w.key} (hourly)`);
      w.hourlyMinute = toLocal(slot, w.shift);
      w.staggered = true;
    }
    const anchor = w.hourlyMinute ?? w.hourly?.fixedMinute ?? null;
    if (anchor !== null) {
      w.minute = anchor;
      if (w.daily?.staggerable) {
        w.dailyCron = dailyAfter(w.daily, anchor);
        w.staggered = true;
      }
    } else if (w.daily?.staggerable) {
      const slot = load.allocate(w.agentId, w.pref, `${w.key} (daily)`);
      const minute = toLocal(slot, w.shift);
      w.dailyCron = withMinute(w.daily.fields, minute);
      w.minute = minute;
      w.staggered = true;
    } else if (w.daily && w.daily.fixedMinute !== null) {
      w.minute = w.daily.fixedMinute;
    }
  }

  warnings.push(...load.problems());

  const schedules = work.map<ResolvedSchedule>((w) => ({
    agentId: w.agentId,
    instance: w.instance,
    hourlyCron: w.hourly === null ? null : w.hourlyMinute !== null ? withMinute(w.hourly.fields, w.hourlyMinute) : w.hourly.original,
    dailyCron: w.daily === null ? null : w.dailyCron,
    timeZone: w.resolved.timezone,
    retention: { hourlyMs: w.resolved.retention.hourly, dailyMs: w.resolved.retention.daily, manualMs: w.resolved.retention.manual },
    staggered: w.staggered,
    minute: w.minute,
  }));
  return { schedules, warnings };
}

/** The unstaggered schedule of one member (defaults ← defaults ← by name ← by agent/name). */
export function resolveSchedule(member: FleetMember, settings: Pick<ScheduleSettings, 'defaults' | 'instances'>): Resolved {
  const out: Resolved = {
    hourly: DEFAULT_FLEET_SCHEDULE.hourly,
    daily: DEFAULT_FLEET_SCHEDULE.daily,
    timezone: DEFAULT_FLEET_SCHEDULE.timezone,
    retention: { ...DEFAULT_FLEET_SCHEDULE.retention },
  };
  const layers: Array<ScheduleLayer | undefined> = [
    settings.defaults,
    settings.instances?.[member.instance],
    settings.instances?.[memberKey(member)],
  ];
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.hourly !== undefined) out.hourly = layer.hourly;
    if (layer.daily !== undefined) out.daily = layer.daily;
    if (layer.timezone !== undefined) out.timezone = layer.timezone;
    const r = layer.retention;
    if (r) {
      if (r.hourly !== undefined) out.retention.hourly = r.hourly;
      if (r.daily !== undefined) out.retention.daily = r.daily;
      if (r.manual !== undefined) out.retention.manual = r.manual;
    }
  }
  return out;
}

function memberKey(m: FleetMember): string {
  return `${m.agentId}/${m.instance}`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable preferred slot: first 32 bits of SHA-256(`agentId/instance`) mod 60. */
function preferredSlot(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % SLOTS;
}

const SINGLE_NUMBER = /^\d{1,2}$/;

export function parseCron(cron: string): ParsedCron {
  const fields = cron.trim().split(/\s+/);
  const minuteField = fields.length === 5 ? fields[0] : fields.length === 6 ? fields[1] : undefined;
  let fixedMinute: number | null = null;
  if (minuteField !== undefined && SINGLE_NUMBER.test(minuteField)) {
    const n = Number(minuteField);
    if (n >= 0 && n < SLOTS) fixedMinute = n;
  }
  return { original: cron, fields, staggerable: fields.length === 5 && fixedMinute !== null, fixedMinute };
}

function hasHourlyAnchor(w: Work): boolean {
  return w.hourly !== null && (w.hourly.staggerable || w.hourly.fixedMinute !== null);
}

function withMinute(fields: readonly string[], minute: number): string {
  return [String(minute), ...fields.slice(1)].join(' ');
}

/** The daily cron placed DAILY_OFFSET_MINUTES after the hourly minute `anchor` (see the header). */
function dailyAfter(daily: ParsedCron, anchor: number): string {
  const target = anchor + DAILY_OFFSET_MINUTES;
  if (target < SLOTS) return withMinute(daily.fields, target);
  const fields = [...daily.fields];
  fields[0] = String(target - SLOTS);
  fields[1] = nextHour(fields[1]!);
  return fields.join(' ');
}

/** Hour field one hour later, never crossing midnight (23 stays 23); ranges/steps unchanged. */
function nextHour(field: string): string {
  if (field === '*') return field;
  const parts = field.split(',');
  if (!parts.every((p) => SINGLE_NUMBER.test(p) && Number(p) < 24)) return field;
  const hours = [...new Set(parts.map((p) => Math.min(23, Number(p) + 1)))];
  return hours.join(',');
}

function toSlot(localMinute: number, shift: number): number {
  return (((localMinute - shift) % SLOTS) + SLOTS) % SLOTS;
}

function toLocal(slot: number, shift: number): number {
  return (slot + shift) % SLOTS;
}

const REFERENCE_INSTANT = new Date(Date.UTC(2025, 0, 15, 12, 0, 0));
const shiftCache = new Map<string, number>();

/**
 * The zone's UTC offset modulo one hour, in minutes (Asia/Kolkata → 30, Europe/Berlin → 0), at a
 * fixed reference instant: the few zones whose DST change is not a whole hour (Lord Howe) are
 * off by 30 minutes half the year, which only weakens the stagger for them.
 */
function zoneMinuteShift(timeZone: string): number {
  const cached = shiftCache.get(timeZone);
  if (cached !== undefined) return cached;
  let shift = 0;
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(REFERENCE_INSTANT)
      .find((p) => p.type === 'timeZoneName')?.value;
    const match = name ? /GMT([+-])(\d{1,2}):?(\d{2})?/.exec(name) : null;
    if (match) {
      const total = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
      shift = ((total % SLOTS) + SLOTS) % SLOTS;
    }
  } catch {
    shift = 0; // unknown zone: config validation rejects these; treat as UTC here
  }
  shiftCache.set(timeZone, shift);
  return shift;
}

/** Forks per slot, fleet-wide and per host, with who is where (for warnings). */
class LoadTable {
  private readonly fleet = new Array<number>(SLOTS).fill(0);
  private readonly hosts = new Map<string, { load: number[]; who: string[][] }>();
  private readonly fleetWho: string[][] = Array.from({ length: SLOTS }, () => []);
  private total = 0;

  constructor(private readonly cap: number) {}

  private host(agentId: string): { load: number[]; who: string[][] } {
    let h = this.hosts.get(agentId);
    if (!h) {
      h = { load: new Array<number>(SLOTS).fill(0), who: Array.from({ length: SLOTS }, () => []) };
      this.hosts.set(agentId, h);
    }
    return h;
  }

  add(agentId: string, slot: number, label: string): void {
    const h = this.host(agentId);
    h.load[slot]! += 1;
    h.who[slot]!.push(label);
    this.fleet[slot]! += 1;
    this.fleetWho[slot]!.push(label);
    this.total += 1;
  }

  /** First slot at or after `pref` (cyclic) free on the host and under the cap; else least loaded. */
  allocate(agentId: string, pref: number, label: string): number {
    const h = this.host(agentId);
    let chosen = -1;
    for (let i = 0; i < SLOTS; i++) {
      const s = (pref + i) % SLOTS;
      if (h.load[s] === 0 && this.fleet[s]! < this.cap) {
        chosen = s;
        break;
      }
    }
    if (chosen < 0) {
      chosen = pref;
      for (let i = 1; i < SLOTS; i++) {
        const s = (pref + i) % SLOTS;
        const better = h.load[s]! < h.load[chosen]! || (h.load[s] === h.load[chosen] && this.fleet[s]! < this.fleet[chosen]!);
        if (better) chosen = s;
      }
    }
    this.add(agentId, chosen, label);
    return chosen;
  }

  problems(): string[] {
    const out: string[] = [];
    for (const agentId of [...this.hosts.keys()].sort(compareCodeUnits)) {
      const h = this.hosts.get(agentId)!;
      const forks = h.load.reduce((a, b) => a + b, 0);
      if (forks > SLOTS) {
        out.push(`agent ${agentId}: ${forks} forks per hour cannot each have their own minute (at most ${SLOTS}); some instances on this host fork in the same minute`);
        continue;
      }
      for (let s = 0; s < SLOTS; s++) {
        if (h.load[s]! > 1) {
          out.push(`agent ${agentId}: ${h.load[s]} forks in the same minute (:${pad(s)} UTC): ${h.who[s]!.join(', ')}; change the schedules that are not staggerable`);
        }
      }
    }
    const capacity = SLOTS * this.cap;
    if (this.total > capacity) {
      out.push(`fleet: ${this.total} forks per hour exceed 60 × maxForksPerMinute (${capacity}); some minutes start more than ${this.cap} forks — raise maxForksPerMinute`);
    } else {
      const over = this.fleet.map((n, s) => ({ n, s })).filter((x) => x.n > this.cap);
      if (over.length > 0) {
        out.push(
          `fleet: more than maxForksPerMinute (${this.cap}) forks start in minute(s) ${over.map((x) => `:${pad(x.s)} UTC (${x.n})`).join(', ')}, because of schedules that are not staggerable`,
        );
      }
    }
    return out;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
