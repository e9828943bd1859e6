import type { Output } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  /** Clears the spinner's line; the next write starts on a clean line. */
  stop(): void;
}

/**
 * A one-line spinner (`⠹ connecting to redis://:***@host:6379 …`) on a terminal; nothing at
 * all when the output is not one (pipes, CI logs stay clean). `paint` colours the frame,
 * or leaves it plain when colour is off.
 */
export function startSpinner(out: Output, text: string, paint: (frame: string) => string = (f) => f, everyMs = 80): Spinner {
  if (!out.isTTY) return { stop: () => {} };
  let i = 0;
  const draw = () => out.write(`\r\u001b[2K${paint(FRAMES[i++ % FRAMES.length]!)} ${text}`);
  draw();
  const timer = setInterval(draw, everyMs);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      out.write('\r\u001b[2K');
    },
  };
}
