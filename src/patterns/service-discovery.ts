import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Service } from '../components/service.js';
import type { ComponentContext } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, duration } from '../scenario/fields.js';
import { asService } from './health-check.js';
import { Verdicts, type InstanceView, type ViewListener } from './instance-view.js';

export interface RegistryConfig {
  /** How often a live instance renews its registration. */
  heartbeat: number;
  /** A registration not renewed for this long expires. */
  ttl: number;
}

export type RegistrationState = 'REGISTERED' | 'EXPIRED' | 'DEREGISTERED';
export const registryStates = ['COMPLETE', 'PARTIAL', 'EMPTY'] as const;
export type RegistryState = (typeof registryStates)[number];

interface Member {
  name: string;
  service: Service;
  lastBeat: number;
  expiry: Timer | undefined;
}

/**
 * A service registry with leases: each instance registers when it starts and renews its
 * registration with a heartbeat; a registration not renewed within the TTL expires (the
 * instance crashed or is cut off — it cannot say so itself), and an instance that stops on
 * purpose deregisters at once. Clients that read the registry send traffic only to
 * registered instances.
 */
export class ServiceDiscovery implements InstanceView {
  readonly kind = 'service-discovery';
  readonly name: string;
  readonly instances: readonly string[];
  private readonly cfg: RegistryConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly members: Member[];
  private readonly verdicts: Verdicts<RegistrationState, RegistryState>;
  private readonly m: { heartbeats: Counter; registrations: Counter; expirations: Counter; deregistrations: Counter };

  constructor(name: string, cfg: RegistryConfig, services: readonly Service[], ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.instances = services.map((s) => s.name);
    const m = ctx.metrics;
    this.m = {
      heartbeats: m.counter('heartbeats'),
      registrations: m.counter('registrations'),
      expirations: m.counter('expirations'),
      deregistrations: m.counter('deregistrations'),
    };
    const now = ctx.clock.now();
    this.members = services.map((service) => ({ name: service.name, service, lastBeat: now, expiry: undefined }));
    // Every instance registers as it starts, which is when the run starts.
    this.verdicts = new Verdicts({ name, trace: ctx.trace }, this.instances, { good: 'REGISTERED', states: registryStates, goodAre: 'registered', admitsUnknown: false });
    for (const member of this.members) {
      this.armExpiry(member);
      // Instances started at different moments: their heartbeats are not in step.
      ctx.clock.setTimer(ctx.random.uniform(0, cfg.heartbeat), () => this.heartbeat(member));
      member.service.watch((state, cause) => this.onServiceChange(member, state, cause));
    }
  }

  state(): RegistryState {
    return this.verdicts.state;
  }

  columns() {
    const now = this.ctx.clock.now();
    const { good, of } = this.verdicts.tally();
    const cols: Record<string, string | number> = { registered: `${good}/${of}` };
    const out = this.members.filter((m) => !this.verdicts.admits(m.name));
    if (out.length > 0) cols['out'] = out.map((m) => `${m.name} ${this.verdicts.of(m.name)!.toLowerCase()}`).join(', ');
    const late = this.members.filter((m) => this.verdicts.admits(m.name) && now - m.lastBeat > this.cfg.heartbeat);
    if (late.length > 0) cols['silent'] = late.map((m) => `${m.name} ${formatDuration(now - m.lastBeat)}`).join(', ');
    cols['lease'] = `heartbeat ${formatDuration(this.cfg.heartbeat)}, ttl ${formatDuration(this.cfg.ttl)}`;
    return cols;
  }

  admits(instance: string): boolean {
    return this.verdicts.admits(instance);
  }

  watch(listener: ViewListener): void {
    this.verdicts.watch(listener);
  }

  stateOf(instance: string): RegistrationState | undefined {
    return this.verdicts.of(instance);
  }

  /** A crashed or hung process sends nothing; a stopped one has already said goodbye. */
  private heartbeat(member: Member): void {
    this.ctx.clock.setTimer(this.cfg.heartbeat, () => this.heartbeat(member));
    const s = member.service.state();
    if (s === 'DOWN' || s === 'STOPPED') return;
    this.m.heartbeats.inc();
    const silence = this.ctx.clock.now() - member.lastBeat;
    member.lastBeat = this.ctx.clock.now();
    if (this.verdicts.of(member.name) === 'EXPIRED') this.move(member, 'REGISTERED', `heartbeat again after ${formatDuration(silence)} of silence`);
    this.armExpiry(member);
  }

  private armExpiry(member: Member): void {
    member.expiry?.cancel();
    if (!this.verdicts.admits(member.name)) return;
    member.expiry = this.ctx.clock.setTimer(this.cfg.ttl, () => {
      member.expiry = undefined;
      this.move(member, 'EXPIRED', `no heartbeat for ${formatDuration(this.cfg.ttl)} (ttl)`);
    });
  }

  private onServiceChange(member: Member, state: string, cause: string): void {
    const registration = this.verdicts.of(member.name);
    if (state === 'STOPPED' && registration !== 'DEREGISTERED') {
      this.move(member, 'DEREGISTERED', `deregistered itself on a planned stop (${cause})`);
    } else if (registration === 'DEREGISTERED' && state !== 'STOPPED' && state !== 'DOWN') {
      member.lastBeat = this.ctx.clock.now();
      this.move(member, 'REGISTERED', `started again and registered (${cause})`);
    }
  }

  private move(member: Member, to: RegistrationState, cause: string): void {
    if (to === 'REGISTERED') this.m.registrations.inc();
    if (to === 'EXPIRED') this.m.expirations.inc();
    if (to === 'DEREGISTERED') this.m.deregistrations.inc();
    this.verdicts.set(member.name, to, cause);
    this.armExpiry(member);
  }
}

export const serviceDiscoveryKind = defineKind({
  kind: 'service-discovery',
  role: 'monitor',
  summary: 'a registry with leases: instances heartbeat to stay registered, expire after a TTL, deregister on a planned stop',
  schema: z
    .object({
      kind: z.literal('service-discovery'),
      description: z.string().optional(),
      instances: z.array(componentName).min(1),
      heartbeat: duration({ min: 10, max: 3_600_000 }).default(1000),
      ttl: duration({ min: 10, max: 3_600_000 }).default(3000),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.ttl <= cfg.heartbeat) {
        ctx.addIssue({ code: 'custom', path: ['ttl'], message: `ttl (${formatDuration(cfg.ttl)}) must be longer than heartbeat (${formatDuration(cfg.heartbeat)}), or every instance expires between beats` });
      }
    }),
  knobs: {
    heartbeat: { description: 'how often a live instance renews its registration', type: 'duration', min: '10ms', max: '30m' },
    ttl: { description: 'a registration not renewed for this long expires (longer than heartbeat)', type: 'duration', min: '20ms', max: '1h' },
  },
  metrics: { counters: ['heartbeats', 'registrations', 'expirations', 'deregistrations'] },
  states: registryStates,
  references: (config) => config.instances.map((name, i) => ({ field: `instances.${i}`, name, role: 'service' as const })),
  create: (config, ctx, resolve) => new ServiceDiscovery(ctx.name, config, config.instances.map((t) => asService(resolve.callee(t), t)), ctx),
});
