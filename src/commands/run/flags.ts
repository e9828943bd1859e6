import { UsageError } from '../../core/errors.js';

export function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > 4_294_967_295) {
    throw new UsageError(`--seed ${text}: expected a whole number from 0 to 4294967295`);
  }
  return n;
}

/** `--speed 5` (five simulated seconds per second), `--speed 1` (real time), `--speed max`. */
export function parseSpeed(text: string): number {
  if (text === 'max' || text === 'Infinity') return Infinity;
  const n = Number(text.replace(/x$/i, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) {
    throw new UsageError(`--speed ${text}: expected a positive number (1 = real time, 10 = ten times faster) or max`);
  }
  return n;
}
