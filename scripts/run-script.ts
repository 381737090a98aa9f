import { ConfigError } from '../src/config';

/** Runs a CLI body: its return value is the exit code; a config error prints its one line; anything else too. */
export function runScript(body: () => Promise<number>): void {
  body().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
