/** Parsing and printing of the units scenario files use: durations, rates, ratios. */

const DURATION = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|m|h)\s*$/;
const DURATION_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `1.5s`, `2m`, `1h` → milliseconds; `0` alone is allowed. Returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (text.trim() === '0') return 0;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

const RATE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*\/\s*(ms|s|m|h|sec|min)\s*$/;
const RATE_UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `50/s`, `3000/m` → events per second. */
export function parseRate(text: string): number | undefined {
  const m = RATE.exec(text);
  if (!m) return undefined;
  return (Number(m[1]) * 1000) / RATE_UNITS[m[2]!]!;
}

/** `50%` or `0.5` → 0.5. */
export function parseRatio(text: string): number | undefined {
  const t = text.trim();
  if (t.endsWith('%')) {
    const n = Number(t.slice(0, -1));
    return t.length > 1 && Number.isFinite(n) ? n / 100 : undefined;
  }
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : undefined;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0ms';
  const abs = Math.abs(ms);
  if (abs < 1) return `${trim(ms * 1000, 0)}µs`;
  if (abs < 1000) return `${trim(ms, abs < 10 ? 2 : abs < 100 ? 1 : 0)}ms`;
  if (abs < 100_000) return `${trim(ms / 1000, 2)}s`;
  if (abs < 3_600_000) return `${trim(ms / 60_000, 2)}m`;
  return `${trim(ms / 3_600_000, 2)}h`;
}

/** Simulated time as shown in tables and plain lines: `12.345s`. */
export function formatClock(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function formatPercent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${trim(ratio * 100, digits)}%`;
}

export function formatRate(perSecond: number): string {
  return `${trim(perSecond, perSecond < 10 ? 2 : 0)}/s`;
}

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

/** 12345 → "12,345" (without Intl, which costs tens of ms to load). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const BYTES = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)\s*$/i;
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `512B`, `20KB`, `1.5MB` → bytes (binary units: 1KB = 1024B, as broker limits are written). */
export function parseBytes(text: string): number | undefined {
  const m = BYTES.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * BYTE_UNITS[m[2]!.toLowerCase()]!);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  if (bytes < 1024 ** 2) return `${trim(bytes / 1024, 1)}KB`;
  if (bytes < 1024 ** 3) return `${trim(bytes / 1024 ** 2, 1)}MB`;
  return `${trim(bytes / 1024 ** 3, 1)}GB`;
}
