import type { Answer, Command, Orchestrator, SagaSettings, Silence } from './contract.js';

/**
 * Your saga orchestrator. The simulator calls this function once per run with the order
 * service's settings from scenario.yaml, and then asks the object it returns what each
 * order does next (see contract.ts).
 *
 * As it stands it compiles and runs, but it only knows the happy path: it asks the steps in
 * order, and when a card is declined it simply stops — with the stock still reserved. It asks
 * a silent step again forever. Fill in the TODOs, then run `patterns check`.
 */
export default function createOrchestrator(settings: SagaSettings): Orchestrator {
  return new MyOrchestrator(settings);
}

class MyOrchestrator implements Orchestrator {
  // TODO: what must you remember per order? (which steps are done; once it turns back, which
  // are still to undo)

  constructor(private readonly settings: SagaSettings) {}

  begin(order: string, now: number): Command {
    return { do: this.settings.steps[0]!.participant };
  }

  answered(order: string, answer: Answer, now: number): Command {
    if (answer.op === 'do' && answer.outcome === 'done') {
      const next = this.settings.steps.findIndex((s) => s.participant === answer.step) + 1;
      return next < this.settings.steps.length ? { do: this.settings.steps[next]!.participant } : 'end';
    }
    // TODO: a step failed: undo the steps done for this order, the latest first, one command
    // at a time ({ undo: participant }), and 'end' once the last one is compensated.
    return 'end';
  }

  timedOut(order: string, silence: Silence, now: number): Command {
    // TODO: ask again, but only `settings.retries` times; after that the step counts as
    // failed. It may have happened all the same (its answer is late, not lost), so undo it
    // too, before the steps done. (And an undo? Ask it again until it is answered.)
    return { [silence.op]: silence.step } as Command;
  }
}
