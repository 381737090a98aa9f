import fs from 'node:fs';
import path from 'node:path';

/**
 * While `npm start` runs the embedded database it leaves a small state file, so command-line scripts
 * (seed, units:import, report) talk to that server instead of starting a second one on the same SQLite files.
 */
export interface RunningState {
  pid: number;
  uri: string;
}

const stateFile = (dataDir: string) => path.join(dataDir, 'running.json');

export function writeRunningState(dataDir: string, state: RunningState): void {
  fs.writeFileSync(stateFile(dataDir), JSON.stringify(state));
}

export function clearRunningState(dataDir: string): void {
  fs.rmSync(stateFile(dataDir), { force: true });
}

export function readRunningState(dataDir: string): RunningState | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(stateFile(dataDir), 'utf8')) as RunningState;
    process.kill(state.pid, 0); // throws when that process is gone (a stale file after a crash)
    return state;
  } catch {
    return undefined;
  }
}
