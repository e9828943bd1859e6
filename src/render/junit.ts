import type { RunResult } from '../engine/run.js';

/** JUnit XML: a test suite per scenario, a test case per expectation. */
export function renderJunit(results: readonly RunResult[], reproduce: (r: RunResult) => string): string {
  const tests = results.reduce((n, r) => n + r.expectations.length, 0);
  const failures = results.reduce((n, r) => n + r.expectations.filter((e) => !e.passed).length, 0);
  const skipped = results.reduce((n, r) => n + r.expectations.filter((e) => e.skipped).length, 0);
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = results.reduce((n, r) => n + r.wallMs, 0);
  out.push(`<testsuites name="patterns" tests="${tests}" failures="${failures}" skipped="${skipped}" time="${time(total)}">`);
  for (const r of results) {
    const s = r.scenario;
    const name = s.variant === 'main' ? s.name : `${s.name} (${s.variant})`;
    const f = r.expectations.filter((e) => !e.passed).length;
    const sk = r.expectations.filter((e) => e.skipped).length;
    out.push(`  <testsuite name="${esc(name)}" tests="${r.expectations.length}" failures="${f}" skipped="${sk}" time="${time(r.wallMs)}">`);
    out.push(`    <properties>`);
    out.push(`      <property name="seed" value="${s.seed}"/>`);
    out.push(`      <property name="pattern" value="${esc(s.pattern)}"/>`);
    out.push(`      <property name="simulated" value="${time(r.simulatedMs)}s"/>`);
    out.push(`    </properties>`);
    for (const e of r.expectations) {
      out.push(`    <testcase classname="${esc(name)}" name="${esc(e.says)}" time="0">`);
      if (e.skipped) out.push(`      <skipped message="${esc(e.expected)}"/>`);
      else if (!e.passed) {
        const msg = `${e.measured}; expected ${e.expected}`;
        out.push(`      <failure message="${esc(msg)}" type="expectation">${esc(`${msg}\nreproduce: ${reproduce(r)}`)}</failure>`);
      } else out.push(`      <system-out>${esc(e.measured)}</system-out>`);
      out.push(`    </testcase>`);
    }
    if (r.interrupted) out.push(`    <system-err>interrupted</system-err>`);
    out.push(`  </testsuite>`);
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}
