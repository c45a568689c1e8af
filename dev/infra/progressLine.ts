/**
 * One line of progress on stderr for a long step (download, wait). On a terminal it
 * redraws in place; elsewhere (CI logs) it prints a line at most every few seconds.
 */
export class ProgressLine {
  private readonly startedAt = Date.now();
  private lastPrinted = 0;
  private readonly interactive = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string) {}

  update(detail: string): void {
    const now = Date.now();
    const text = `${this.label}: ${detail} (${this.elapsedSeconds()}s)`;
    if (this.interactive) {
      process.stderr.write(`\r\x1b[2K${text}`);
    } else if (now - this.lastPrinted >= 3000) {
      process.stderr.write(`${text}\n`);
      this.lastPrinted = now;
    }
  }

  done(detail: string): void {
    const text = `${this.label}: ${detail} (${this.elapsedSeconds()}s)`;
    process.stderr.write(this.interactive ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  elapsedSeconds(): string {
    return ((Date.now() - this.startedAt) / 1000).toFixed(1);
  }
}
