import type { Clock } from '../core/clock.js';
import type { FailureKind, Outcome } from '../core/component.js';
import { formatDuration } from '../core/units.js';

export interface EjectionConfig {
  /** Failures in a row that eject an instance. */
  consecutiveFailures: number;
  /** The first ejection lasts this long; each further one longer (× times ejected), up to `maxEjection`. */
  baseEjection: number;
  maxEjection: number;
  /** Never eject more than this share of the instances (at least one may always go). */
  maxEjectedShare: number;
  /** Which failures count. */
  ejectOn: readonly FailureKind[];
}

export type EjectionState = 'ACTIVE' | 'EJECTED';

interface Member {
  state: EjectionState;
  failuresInARow: number;
  successesSinceReturn: number;
  timesEjected: number;
  until: number;
}

export type EjectionListener = (member: number, from: EjectionState, to: EjectionState, cause: string) => void;

/**
 * Outlier ejection in the manner of Envoy's consecutive-errors detector: the balancer
 * watches the answers each instance gives and takes one out of rotation after N failures
 * in a row, for a time that grows each time it is ejected again. An instance that comes back
 * and serves N calls in a row is forgiven: its next ejection is short again.
 */
export class OutlierEjection {
  private readonly members: Member[];
  private readonly ejectOn: Set<FailureKind>;
  private ejected = 0;

  constructor(
    private readonly cfg: EjectionConfig,
    size: number,
    private readonly clock: Pick<Clock, 'now' | 'setTimer'>,
    private readonly onChange: EjectionListener,
  ) {
    this.members = Array.from({ length: size }, () => ({ state: 'ACTIVE', failuresInARow: 0, successesSinceReturn: 0, timesEjected: 0, until: 0 }));
    this.ejectOn = new Set(cfg.ejectOn);
  }

  isEjected(member: number): boolean {
    return this.members[member]!.state === 'EJECTED';
  }

  get ejectedCount(): number {
    return this.ejected;
  }

  /** Time left out of rotation, or 0. */
  remaining(member: number): number {
    const m = this.members[member]!;
    return m.state === 'EJECTED' ? Math.max(0, m.until - this.clock.now()) : 0;
  }

  record(member: number, outcome: Outcome): void {
    const m = this.members[member]!;
    if (outcome.ok || !this.ejectOn.has(outcome.error)) {
      m.failuresInARow = 0;
      if (m.timesEjected > 0 && ++m.successesSinceReturn >= this.cfg.consecutiveFailures) m.timesEjected = 0;
      return;
    }
    m.successesSinceReturn = 0;
    m.failuresInARow++;
    // Answers to calls sent before the ejection can still arrive; they change nothing.
    if (m.state === 'EJECTED' || m.failuresInARow < this.cfg.consecutiveFailures) return;
    if (this.ejected >= this.maxEjected()) return;
    this.eject(member, m, `${m.failuresInARow} failures in a row (last: ${outcome.error})`);
  }

  private maxEjected(): number {
    return Math.max(1, Math.floor(this.cfg.maxEjectedShare * this.members.length));
  }

  private eject(index: number, m: Member, why: string): void {
    m.timesEjected++;
    const length = Math.min(this.cfg.maxEjection, this.cfg.baseEjection * m.timesEjected);
    m.state = 'EJECTED';
    m.until = this.clock.now() + length;
    this.ejected++;
    const times = m.timesEjected > 1 ? `, ejection ${m.timesEjected} in a row` : '';
    this.onChange(index, 'ACTIVE', 'EJECTED', `${why}; out for ${formatDuration(length)}${times}`);
    this.clock.setTimer(length, () => {
      m.state = 'ACTIVE';
      m.failuresInARow = 0;
      m.successesSinceReturn = 0;
      this.ejected--;
      this.onChange(index, 'EJECTED', 'ACTIVE', `ejected for ${formatDuration(length)}; back in rotation`);
    });
  }
}
