/**
 * Slows password guessing: after `maxFailures` wrong passwords for one user
 * within `windowMs`, that user's logins are refused until the window passes.
 * Kept in memory per process: a restart clears it, and each API process
 * counts on its own (so N processes allow N × maxFailures guesses per window).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; firstAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** When the user may try again (epoch ms), or null if they may try now. */
  blockedUntil(key: string): number | null {
    const entry = this.failures.get(key);
    if (!entry) return null;
    const until = entry.firstAt + this.windowMs;
    if (until <= this.now()) {
      this.failures.delete(key);
      return null;
    }
    return entry.count >= this.maxFailures ? until : null;
  }

  recordFailure(key: string): void {
    const entry = this.failures.get(key);
    if (!entry || entry.firstAt + this.windowMs <= this.now()) this.failures.set(key, { count: 1, firstAt: this.now() });
    else entry.count++;
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }
}
