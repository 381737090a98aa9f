import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

/** A V8 CPU profile (`node --cpu-prof` writes one as JSON). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface Frame {
  name: string;
  where: string;
  selfPercent: number;
}

const shortUrl = (url: string) => {
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) return url.slice(at + 'node_modules/'.length);
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|scripts)\//, '$1/');
};

/** The functions with the most self time, idle time left out, as a share of the busy samples. */
export function topFrames(profile: CpuProfile, count = 12): Frame[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; ticks: number }>();
  let busy = 0;
  const hits = new Map<number, number>();
  if (profile.samples?.length) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  for (const [id, ticks] of hits) {
    const node = byNode.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = self.get(key) ?? { name, where, ticks: 0 };
    entry.ticks += ticks;
    self.set(key, entry);
    busy += ticks;
  }
  return [...self.values()]
    .sort((a, b) => b.ticks - a.ticks)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, selfPercent: busy ? (e.ticks / busy) * 100 : 0 }));
}

/** Reads the newest .cpuprofile of a directory (what `node --cpu-prof --cpu-prof-dir=<dir>` left). */
export function readNewestProfile(dir: string): CpuProfile | undefined {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  const newest = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  return newest ? (JSON.parse(fs.readFileSync(newest, 'utf8')) as CpuProfile) : undefined;
}

/** Profiles `task` inside this process (B4 runs in the bench process), returning its result and top frames. */
export async function profileInProcess<T>(task: () => Promise<T>): Promise<{ result: T; frames: Frame[] }> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      session.post(method, params ?? {}, (error, value) => {
        if (error) reject(error);
        else resolve(value);
      });
    });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  try {
    const result = await task();
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    return { result, frames: topFrames(profile) };
  } finally {
    session.disconnect();
  }
}
