import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Service } from '../components/service.js';
import { memberTrace, type ComponentContext, type ComponentTrace } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, duration } from '../scenario/fields.js';
import { asService } from './health-check.js';
import { aggregate, type InstanceView, type ViewListener } from './instance-view.js';

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
  state: RegistrationState;
  lastBeat: number;
  expiry: Timer | undefined;
  trace: ComponentTrace;
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
  private readonly listeners: ViewListener[] = [];
  private current: RegistryState = 'COMPLETE';
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
    this.members = services.map((service) => ({ name: service.name, service, state: 'REGISTERED', lastBeat: now, expiry: undefined, trace: memberTrace(ctx.trace, service.name) }));
    for (const member of this.members) {
      this.armExpiry(member);
      // Instances started at different moments: their heartbeats are not in step.
      ctx.clock.setTimer(ctx.random.uniform(0, cfg.heartbeat), () => this.heartbeat(member));
      member.service.watch((state, cause) => this.onServiceChange(member, state, cause));
    }
  }

  state(): RegistryState {
    return this.current;
  }

  columns() {
    const now = this.ctx.clock.now();
    const registered = this.members.filter((m) => m.state === 'REGISTERED').length;
    const cols: Record<string, string | number> = { registered: `${registered}/${this.members.length}` };
    const out = this.members.filter((m) => m.state !== 'REGISTERED');
    if (out.length > 0) cols['out'] = out.map((m) => `${m.name} ${m.state.toLowerCase()}`).join(', ');
    const late = this.members.filter((m) => m.state === 'REGISTERED' && now - m.lastBeat > this.cfg.heartbeat);
    if (late.length > 0) cols['silent'] = late.map((m) => `${m.name} ${formatDuration(now - m.lastBeat)}`).join(', ');
    cols['lease'] = `heartbeat ${formatDuration(this.cfg.heartbeat)}, ttl ${formatDuration(this.cfg.ttl)}`;
    return cols;
  }

  admits(instance: string): boolean {
    return this.members.find((m) => m.name === instance)?.state === 'REGISTERED';
  }

  watch(listener: ViewListener): void {
    this.listeners.push(listener);
  }

  stateOf(instance: string): RegistrationState | undefined {
    return this.members.find((m) => m.name === instance)?.state;
  }

  /** A crashed or hung process sends nothing; a stopped one has already said goodbye. */
  private heartbeat(member: Member): void {
    this.ctx.clock.setTimer(this.cfg.heartbeat, () => this.heartbeat(member));
    const s = member.service.state();
    if (s === 'DOWN' || s === 'STOPPED') return;
    this.m.heartbeats.inc();
    const silence = this.ctx.clock.now() - member.lastBeat;
    member.lastBeat = this.ctx.clock.now();
    if (member.state === 'EXPIRED') this.move(member, 'REGISTERED', `heartbeat again after ${formatDuration(silence)} of silence`);
    this.armExpiry(member);
  }

  private armExpiry(member: Member): void {
    member.expiry?.cancel();
    if (member.state !== 'REGISTERED') return;
    member.expiry = this.ctx.clock.setTimer(this.cfg.ttl, () => {
      member.expiry = undefined;
      this.move(member, 'EXPIRED', `no heartbeat for ${formatDuration(this.cfg.ttl)} (ttl)`);
    });
  }

  private onServiceChange(member: Member, state: string, cause: string): void {
    if (state === 'STOPPED' && member.state !== 'DEREGISTERED') {
      this.move(member, 'DEREGISTERED', `deregistered itself on a planned stop (${cause})`);
    } else if (member.state === 'DEREGISTERED' && state !== 'STOPPED' && state !== 'DOWN') {
      member.lastBeat = this.ctx.clock.now();
      this.move(member, 'REGISTERED', `started again and registered (${cause})`);
    }
  }

  private move(member: Member, to: RegistrationState, cause: string): void {
    const from = member.state;
    member.state = to;
    if (to === 'REGISTERED') this.m.registrations.inc();
    if (to === 'EXPIRED') this.m.expirations.inc();
    if (to === 'DEREGISTERED') this.m.deregistrations.inc();
    member.trace.transition(from, to, cause);
    this.armExpiry(member);
    const registered = this.members.filter((m) => m.state === 'REGISTERED').length;
    const next = aggregate(registered, this.members.length, registryStates);
    if (next !== this.current) {
      const was = this.current;
      this.current = next;
      this.ctx.trace.transition(was, next, `${member.name}: ${cause}`, { registered, of: this.members.length });
    }
    for (const listener of this.listeners) listener(member.name, `${member.name} ${to.toLowerCase()} (${this.name})`);
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
