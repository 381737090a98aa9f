import os from 'node:os';
import type { Connection } from 'mongoose';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  database: string;
}

/** What the figures were measured on: CPU, cores, memory, OS, Node and the database server's own version. */
export async function machineInfo(connection: Connection): Promise<MachineInfo> {
  const cpus = os.cpus();
  let database = 'unknown';
  try {
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    database =
      typeof info.ferretdbVersion === 'string'
        ? `FerretDB ${info.ferretdbVersion} (MongoDB ${String(info.version)} wire protocol)`
        : `MongoDB ${String(info.version)}`;
  } catch {
    // an older server without buildInfo: keep "unknown"
  }
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    database,
  };
}
