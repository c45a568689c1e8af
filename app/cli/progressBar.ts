/** A one-line progress bar on stderr: redrawn in place on a terminal, a line every few seconds elsewhere. */
export class ProgressBar {
  private lastPrinted = 0;
  private readonly interactive = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string) {}

  update(done: number, total: number, perSecond: number, etaSeconds: number | undefined, detail: string, final = false): void {
    const width = 24;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const eta = etaSeconds === undefined ? '?' : `${Math.ceil(etaSeconds)}s`;
    this.show(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${(fraction * 100).toFixed(0)}% ${perSecond.toFixed(1)}/s ETA ${eta} | ${detail}`, final);
  }

  /** A status line without a bar (a wait with no known end), drawn the same way. */
  show(text: string, final = false): void {
    const line = `${this.label} ${text}`;
    const now = Date.now();
    if (this.interactive) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final || now - this.lastPrinted >= 2000) {
      process.stderr.write(`${line}\n`);
      this.lastPrinted = now;
    }
  }
}
