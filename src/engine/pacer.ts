/**
 * Maps wall time to simulated time for watched runs: `speed` simulated ms per wall ms,
 * changeable and pausable mid-run without jumps.
 */
export class Pacer {
  private simAtMark: number;
  private wallAtMark: number;
  private paused = false;

  constructor(
    private speedValue: number,
    wallNow: number,
    simNow = 0,
  ) {
    this.simAtMark = simNow;
    this.wallAtMark = wallNow;
  }

  get speed(): number {
    return this.speedValue;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Where simulated time should be now. */
  target(wallNow: number): number {
    if (this.paused || this.speedValue === Infinity) return this.paused ? this.simAtMark : Infinity;
    return this.simAtMark + (wallNow - this.wallAtMark) * this.speedValue;
  }

  setSpeed(speed: number, wallNow: number, simNow: number): void {
    this.mark(wallNow, simNow);
    this.speedValue = speed;
  }

  pause(wallNow: number, simNow: number): void {
    this.mark(wallNow, simNow);
    this.paused = true;
  }

  resume(wallNow: number, simNow: number): void {
    this.mark(wallNow, simNow);
    this.paused = false;
  }

  private mark(wallNow: number, simNow: number): void {
    this.simAtMark = simNow;
    this.wallAtMark = wallNow;
  }
}
