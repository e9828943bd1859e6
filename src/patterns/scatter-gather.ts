import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Call, Callee, Cancel, ComponentContext, Done, Handler } from '../core/component.js';
import type { Counter, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, count, duration } from '../scenario/fields.js';

export interface ScatterGatherConfig {
  /** How long to gather; undefined waits for every recipient. */
  deadline?: number | undefined;
  /** Answers needed for a useful result. */
  need: number;
}

/**
 * Scatter-gather: one request fans out to several recipients (quote services, search
 * shards), and the answers are gathered until a deadline. The caller gets whatever came
 * in time — the best of three quotes now rather than the best of five too late — and late
 * answers are counted and dropped. Without a deadline the gather is as slow as the slowest
 * recipient. Over a broker the request goes out on a topic and replies come back on a
 * reply queue with a correlation id; the gathering is the same.
 */
export class ScatterGather implements Callee {
  readonly kind = 'scatter-gather';
  readonly name: string;
  private readonly recipients: { name: string; handle: Handler }[];
  private readonly cfg: ScatterGatherConfig;
  private readonly ctx: Pick<ComponentContext, 'clock'>;
  private readonly m: { requests: Counter; replies: Counter; late: Counter; failures: Counter; answered: Counter; unanswered: Counter; latency: Histogram };

  constructor(name: string, recipients: { name: string; handle: Handler }[], cfg: ScatterGatherConfig, ctx: Pick<ComponentContext, 'clock' | 'metrics'>) {
    this.name = name;
    this.recipients = recipients;
    this.cfg = cfg;
    this.ctx = ctx;
    const m = ctx.metrics;
    this.m = {
      requests: m.counter('requests'),
      replies: m.counter('replies'),
      late: m.counter('late'),
      failures: m.counter('failures'),
      answered: m.counter('answered'),
      unanswered: m.counter('unanswered'),
      latency: m.histogram('latency'),
    };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    const requests = this.m.requests.value;
    const cols: Record<string, string | number> = { requests, 'replies/request': requests ? (this.m.replies.value / requests).toFixed(2) : '—', late: this.m.late.value };
    if (this.cfg.deadline !== undefined) cols['deadline'] = formatDuration(this.cfg.deadline);
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    const m = this.m;
    const clock = this.ctx.clock;
    m.requests.inc();
    const started = clock.now();
    let replies = 0;
    let answered = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      deadline?.cancel();
      m.latency.observe(clock.now() - started);
      if (replies >= this.cfg.need) {
        m.answered.inc();
        done({ ok: true });
      } else {
        m.unanswered.inc();
        done({ ok: false, error: 'timeout', by: this.name, detail: `${replies} of ${this.cfg.need} needed answers in time` });
      }
    };
    const deadline = this.cfg.deadline !== undefined ? clock.setTimer(this.cfg.deadline, finish) : undefined;
    for (const r of this.recipients) {
      // Late answers are still counted: the recipients did the work, the caller just stopped waiting.
      r.handle(call, (outcome) => {
        answered++;
        if (finished) {
          if (outcome.ok) m.late.inc();
          return;
        }
        if (outcome.ok) {
          replies++;
          m.replies.inc();
        } else {
          m.failures.inc();
        }
        if (answered === this.recipients.length) finish();
      });
    }
    return () => {
      finished = true;
      deadline?.cancel();
    };
  };
}

export const scatterGatherKind = defineKind({
  kind: 'scatter-gather',
  role: 'client',
  summary: 'fans a request out to several recipients and gathers the answers until a deadline',
  schema: z
    .object({
      kind: z.literal('scatter-gather'),
      description: z.string().optional(),
      recipients: z.array(componentName).min(2, { message: 'scatter to at least two recipients' }),
      deadline: duration({ min: 1, max: 3_600_000 }).optional(),
      need: count({ min: 1, max: 100 }).default(1),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.need > cfg.recipients.length) ctx.addIssue({ code: 'custom', path: ['need'], message: `needs ${cfg.need} answers from ${cfg.recipients.length} recipients` });
    }),
  knobs: {
    deadline: { description: 'how long to gather answers', type: 'duration', min: '1ms', max: '1h' },
    need: { description: 'answers needed for a result', type: 'int', min: 1, max: 100 },
  },
  metrics: {
    counters: ['requests', 'replies', 'late', 'failures', 'answered', 'unanswered'],
    histograms: ['latency'],
    ratios: { repliesPerRequest: ['replies', 'requests', 'factor'], answerRate: ['answered', 'requests'], lateRate: ['late', 'requests', 'factor'] },
  },
  references: (config) => config.recipients.map((name, i) => ({ field: `recipients.${i}`, name, role: 'callable' as const })),
  create: (config, ctx, resolve) =>
    new ScatterGather(
      ctx.name,
      config.recipients.map((name) => ({ name, handle: resolve.handler(name) })),
      { deadline: config.deadline, need: config.need },
      ctx,
    ),
});
