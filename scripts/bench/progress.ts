/**
 * A one-line progress bar on a terminal; off a terminal (CI logs, files) a line every 10 %, so logs stay short.
 */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stdout): (done: number) => void {
  const width = 30;
  const started = Date.now();
  let lastTenth = -1;
  return (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = (Date.now() - started) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` eta ${Math.round((seconds / fraction) * (1 - fraction))} s` : '';
    const text = `${label} [${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${done}/${total} ${Math.round(seconds)} s${eta}`;
    if (stream.isTTY) {
      stream.write(`\r${text}\x1b[K`);
      if (fraction >= 1) stream.write('\n');
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      stream.write(`${text}\n`);
    }
  };
}
