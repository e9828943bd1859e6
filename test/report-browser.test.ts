/**
 * The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`),
 * screenshotted, and its DOM read back. Skips with a message when Chromium is missing,
 * unless PATTERNS_REQUIRE_BROWSER is set (CI sets it, so CI always runs this).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { decodePng } from './png.js';

const CANDIDATES = [process.env['PATTERNS_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
const chromium = CANDIDATES.find((p) => existsSync(p));
const required = !!process.env['PATTERNS_REQUIRE_BROWSER'];
if (!chromium && !required) {
  console.warn('report-browser.test.ts: skipped, Chromium not found (apt-get install chromium); set PATTERNS_REQUIRE_BROWSER=1 to make this an error');
}

function browse(args: string[], dir: string): Promise<{ stdout: string; stderr: string }> {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${mkdtempSync(path.join(dir, 'profile-'))}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium!, [...flags, ...args], { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Pixels close to a colour (anti-aliasing and opacity blend it with white). */
function count(png: ReturnType<typeof decodePng>, near: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let y = 0; y < png.height; y += 2) for (let x = 0; x < png.width; x += 2) if (near(...png.rgb(x, y))) n++;
  return n;
}

describe.skipIf(!chromium && !required)('the HTML report in a browser', () => {
  it('renders: charts drawn, states banded, every transition and expectation on the page', { timeout: 180_000 }, async () => {
    if (!chromium) throw new Error(`PATTERNS_REQUIRE_BROWSER is set but no Chromium was found (looked for ${CANDIDATES.join(', ')})`);
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-report-'));
    const report = path.join(dir, 'run.html');
    const trace = path.join(dir, 'run.ndjson');
    const r = await cli(['run', 'payment-outage', '--ci', '--report', report, '--trace', trace]);
    expect(r.code).toBe(0);
    const url = pathToFileURL(report).href;

    const shot = path.join(dir, 'run.png');
    await browse(['--window-size=1200,1600', `--screenshot=${shot}`, url], dir);
    const png = decodePng(readFileSync(shot));
    expect([png.width, png.height]).toEqual([1200, 1600]);
    // The throughput line (#0969da), the red bands of DOWN and OPEN, the green of CLOSED.
    expect(count(png, (r, g, b) => b > 180 && r < 80 && g > 70 && g < 140)).toBeGreaterThan(50);
    expect(count(png, (r, g, b) => r > 190 && g < 110 && b < 110)).toBeGreaterThan(500);
    expect(count(png, (r, g, b) => g > 150 && r < 200 && b < 200 && g - r > 30 && g - b > 20)).toBeGreaterThan(500);

    const { stdout: dom } = await browse(['--dump-dom', url], dir);
    const text = dom.replace(/<[^>]+>/g, '').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(text).toContain('payment-outage');
    expect(text).toContain('passed');
    const events = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; says?: string; from?: string; to?: string });
    for (const e of events.filter((x) => x.kind === 'expectation')) expect(text).toContain(e.says);
    const transitions = events.filter((x) => x.kind === 'transition');
    expect(transitions.length).toBeGreaterThan(5);
    expect(dom.match(/<table class="transitions">[\s\S]*?<\/table>/)![0].match(/<tr>/g)!.length - 1).toBe(transitions.length);
    for (const t of transitions) expect(text).toContain(`${t.from} → ${t.to}`);
    expect(dom.match(/<svg /g)!.length).toBe(1);
    expect(dom.match(/<rect class="lane /g)!.length).toBeGreaterThan(8);
  });
});
