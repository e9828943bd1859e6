import type { Answer, Command, Orchestrator, SagaSettings, Silence } from './contract.js';

/**
 * The reference solution: the built-in orchestrator's decisions (inOrderWithCompensation in
 * src/patterns/saga-orchestration.ts), through the learner's interface. The author gate
 * checks that it passes the scenario and matches the built-in step for step.
 */
export default function createOrchestrator(settings: SagaSettings): Orchestrator {
  return new InOrder(settings);
}

/** Where an order stands: the steps done, in order, and once it turns back, the steps still to undo. */
interface Progress {
  done: string[];
  undo: string[] | undefined;
}

class InOrder implements Orchestrator {
  private readonly orders = new Map<string, Progress>();
  private readonly steps: readonly string[];

  constructor(private readonly settings: SagaSettings) {
    this.steps = settings.steps.map((s) => s.participant);
  }

  begin(order: string): Command {
    const p: Progress = { done: [], undo: undefined };
    this.orders.set(order, p);
    return this.next(p);
  }

  answered(order: string, answer: Answer): Command {
    const p = this.orders.get(order)!;
    if (answer.op === 'undo') p.undo!.shift();
    else if (answer.outcome === 'done') p.done.push(answer.step);
    else return this.turnBack(p, []);
    return this.next(p);
  }

  timedOut(order: string, silence: Silence): Command {
    const p = this.orders.get(order)!;
    // Compensations are asked until they answer: an order must not stop halfway back.
    if (silence.op === 'undo' || silence.attempts <= this.settings.retries) return { [silence.op]: silence.step } as Command;
    // Given up on, but it may have happened after all: undo it first, then the steps done.
    return this.turnBack(p, [silence.step]);
  }

  private turnBack(p: Progress, maybeDone: string[]): Command {
    p.undo = [...maybeDone, ...[...p.done].reverse()];
    return this.next(p);
  }

  private next(p: Progress): Command {
    if (p.undo) return p.undo.length > 0 ? { undo: p.undo[0]! } : 'end';
    return p.done.length < this.steps.length ? { do: this.steps[p.done.length]! } : 'end';
  }
}
