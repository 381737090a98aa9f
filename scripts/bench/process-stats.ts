import fs from 'node:fs';

/** CPU seconds (user + system) a process has used so far (Linux: /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until a process (the database) uses under a tenth of a core for 3 s in a row, at most 15 minutes; returns
 * how long that took. A start of the app may run a one-time recount in the background (src/projector/migration.ts),
 * minutes of full reads at a million answers: measured beside it, a figure would be its, not ours.
 */
export async function untilQuiet(pid: number): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  while (quiet < 3 && Date.now() - started < 15 * 60_000) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    quiet = cpuSeconds(pid) - before < 0.1 ? quiet + 1 : 0;
  }
  return Date.now() - started;
}
