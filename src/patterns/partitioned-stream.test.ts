import { describe, expect, it } from 'vitest';
import { SequenceChecker } from './partitioned-stream.js';

describe('sequence checker', () => {
  it.each([
    { seqs: [1, 2, 3], verdicts: ['in-order', 'in-order', 'in-order'] },
    { seqs: [1, 3, 2], verdicts: ['in-order', 'in-order', 'late'] },
    { seqs: [1, 2, 2], verdicts: ['in-order', 'in-order', 'replay'] },
    { seqs: [2, 1, 1], verdicts: ['in-order', 'late', 'replay'] },
  ])('$seqs → $verdicts', ({ seqs, verdicts }) => {
    const c = new SequenceChecker();
    expect(seqs.map((seq) => c.observe({ key: 'k', seq: String(seq) }).verdict)).toEqual(verdicts);
  });

  it('keeps each key apart, and ignores messages without a sequence', () => {
    const c = new SequenceChecker();
    expect(c.observe({ key: 'a', seq: '5' }).verdict).toBe('in-order');
    expect(c.observe({ key: 'b', seq: '1' }).verdict).toBe('in-order');
    expect(c.observe({}).verdict).toBe('unsequenced');
  });
});
