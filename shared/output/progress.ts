import cliProgress from 'cli-progress';
import { formatBytes } from './format.js';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

const silent: ProgressReporter = { update: () => undefined, stop: () => undefined };

/**
 * A byte progress bar on stderr for long work. Silent when stderr is not a terminal or when
 * output is --json, so scripts and logs never see bar redraws.
 */
export function byteProgress(enabled: boolean, title: string): ProgressReporter {
  if (!enabled || !process.stderr.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} {label} [{bar}] {percentage}% | {doneText}/{totalText} | {speed}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const t0 = Date.now();
  return {
    update(done, total, label = '') {
      const payload = {
        label,
        doneText: formatBytes(done),
        totalText: formatBytes(total),
        speed: `${formatBytes(done / Math.max(0.001, (Date.now() - t0) / 1000))}/s`,
      };
      if (!started) {
        bar.start(Math.max(total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
