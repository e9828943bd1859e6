import type { Random } from '../core/random.js';

/** How a balancer chooses among the instances in rotation. */
export const algorithms = ['round-robin', 'random', 'least-outstanding', 'p2c'] as const;
export type Algorithm = (typeof algorithms)[number];

export interface Candidate {
  /** In rotation: not ejected, not marked unhealthy, registered. */
  readonly available: boolean;
  /** Calls this balancer has sent it that have not come back. */
  readonly outstanding: number;
}

/**
 * Picks the index of one available candidate, or -1 when none is. Round robin walks the
 * whole list and skips the unavailable, so the rotation stays fair when one drops out;
 * least-outstanding breaks ties at random, so an idle pool is not all sent to the first.
 */
export class Picker {
  private cursor = 0;

  constructor(
    readonly algorithm: Algorithm,
    private readonly random: Pick<Random, 'int'>,
  ) {}

  pick(candidates: readonly Candidate[]): number {
    switch (this.algorithm) {
      case 'round-robin':
        return this.roundRobin(candidates);
      case 'random':
        return this.randomOf(candidates);
      case 'least-outstanding':
        return this.leastOutstanding(candidates);
      case 'p2c':
        return this.powerOfTwo(candidates);
    }
  }

  private roundRobin(candidates: readonly Candidate[]): number {
    const n = candidates.length;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      if (candidates[index]!.available) {
        this.cursor = (index + 1) % n;
        return index;
      }
    }
    return -1;
  }

  private randomOf(candidates: readonly Candidate[]): number {
    const available = indexesOfAvailable(candidates);
    return available.length === 0 ? -1 : available[this.random.int(available.length)]!;
  }

  private leastOutstanding(candidates: readonly Candidate[]): number {
    let best = -1;
    let ties = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      if (!c.available) continue;
      if (best < 0 || c.outstanding < candidates[best]!.outstanding) {
        best = i;
        ties = 1;
      } else if (c.outstanding === candidates[best]!.outstanding && this.random.int(++ties) === 0) {
        // Reservoir sampling: each of the tied candidates ends up chosen with equal chance.
        best = i;
      }
    }
    return best;
  }

  /** Two distinct candidates at random, the less busy of the two: most of the benefit of least-outstanding without everyone herding to the same instance. */
  private powerOfTwo(candidates: readonly Candidate[]): number {
    const available = indexesOfAvailable(candidates);
    if (available.length <= 1) return available[0] ?? -1;
    const i = this.random.int(available.length);
    let j = this.random.int(available.length - 1);
    if (j >= i) j++;
    const a = available[i]!;
    const b = available[j]!;
    return candidates[b]!.outstanding < candidates[a]!.outstanding ? b : a;
  }
}

function indexesOfAvailable(candidates: readonly Candidate[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < candidates.length; i++) if (candidates[i]!.available) out.push(i);
  return out;
}
