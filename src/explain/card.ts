/**
 * A concept card for `patterns explain <pattern>`: what problem the pattern solves, how,
 * its states, what its knobs trade, when (not) to use it, and the usual mistakes. The
 * scenarios that show it are found in the catalogue by their `pattern:` field.
 */
export interface Card {
  /** The failure or pressure that makes the pattern necessary. */
  problem: string;
  /** How it works, in a few sentences. */
  how: string;
  /** An ASCII state diagram (or flow), lines of at most 72 characters. */
  diagram: string;
  /** Knob (as in scenario files) → what turning it up or down trades. */
  knobs: { knob: string; trade: string }[];
  use: string[];
  avoid: string[];
  mistakes: string[];
  /** Other patterns worth reading next. */
  related: string[];
}

export function defineCard(card: Card): Card {
  return card;
}
