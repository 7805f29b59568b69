/** Time is injected so tests can control it (expiry, business hours, sanctions). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move. */
export class ManualClock implements Clock {
  private current: Date;
  constructor(start: Date = new Date('2026-03-02T10:00:00Z')) {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
