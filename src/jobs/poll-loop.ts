/**
 * The polling rhythm both queues share: run `round` now and then, one round
 * at a time. A wake-up during a round runs another right after it instead
 * of overlapping; an idle round waits the poll interval.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private again = false;
  /** Rounds run only between start() and halt(). */
  private halted = true;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.halted = false;
    this.wake(0);
  }

  /** Runs a round after delayMs (0: as soon as the current one ends); ignored unless started. */
  wake(delayMs = 0): void {
    if (this.halted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  /** No further rounds; resolves once the one under way (if any) has ended. */
  async halt(): Promise<void> {
    this.halted = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private run(): void {
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = this.round()
      .catch(this.onError)
      .finally(() => {
        this.current = undefined;
        const again = this.again;
        this.again = false;
        this.wake(again ? 0 : this.intervalMs);
      });
  }
}
