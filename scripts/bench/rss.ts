import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Resident set size of a process in bytes: /proc/<pid>/status where there is one, else `ps -o rss=`. */
export function readRss(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // no procfs (macOS) or the process is gone
  }
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The kernel's own high-water mark of the process's RSS (VmHWM), when procfs has it. */
export function readPeakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets the kernel's high-water mark (Linux: writing 5 to /proc/<pid>/clear_refs), so that it measures one phase.
 * Returns false where that is not possible.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS every `intervalMs`; `phase(name)` closes the current phase and returns its peak: the
 * kernel's high-water mark over the phase where it can be reset (a spike between two samples counts), else the
 * highest sample.
 */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private phasePeak = 0;
  private overallPeak = 0;
  readonly phases: { name: string; peakBytes: number }[] = [];
  samples = 0;

  constructor(
    readonly pid: number,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => {
      this.sample();
    }, intervalMs);
    this.timer.unref();
    this.sample();
    this.kernelPeaks = resetPeakRss(pid);
  }

  /** whether phase peaks come from the kernel's high-water mark */
  readonly kernelPeaks: boolean;

  private sample(): void {
    const rss = readRss(this.pid);
    if (rss === undefined) return;
    this.samples += 1;
    this.phasePeak = Math.max(this.phasePeak, rss);
    this.overallPeak = Math.max(this.overallPeak, rss);
  }

  phase(name: string): number {
    this.sample();
    const kernel = this.kernelPeaks ? readPeakRss(this.pid) : undefined;
    const peak = Math.max(this.phasePeak, kernel ?? 0);
    this.phases.push({ name, peakBytes: peak });
    this.overallPeak = Math.max(this.overallPeak, peak);
    this.phasePeak = 0;
    if (this.kernelPeaks) resetPeakRss(this.pid);
    return peak;
  }

  get peakBytes(): number {
    return this.overallPeak;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
