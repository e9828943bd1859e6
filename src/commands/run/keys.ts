/** What the hotkeys need of stdin; tests pass a fake. */
export interface KeySource {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export const CTRL_C = '\u0003';

/** Splits a chunk of raw input into keys: escape sequences (arrows...) stay whole; a lone ESC is 'escape'. */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < chunk.length; ) {
    if (chunk[i] === '\u001b') {
      const m = /^\u001b(\[[0-9;?]*[ -/]*[@-~]|O.)/.exec(chunk.slice(i));
      if (m) {
        keys.push(m[0]);
        i += m[0].length;
        continue;
      }
      keys.push('escape');
      i++;
      continue;
    }
    const ch = String.fromCodePoint(chunk.codePointAt(i)!);
    keys.push(ch);
    i += ch.length;
  }
  return keys;
}

/**
 * Puts a terminal's stdin in raw mode and reports single keys until the returned function
 * is called, which always gives the terminal back (raw mode off, stdin paused). In raw mode
 * Ctrl-C arrives as a key (CTRL_C), not as SIGINT: the caller must treat it as an interrupt.
 */
export function listenKeys(input: KeySource, onKey: (key: string) => void): () => void {
  const onData = (chunk: Buffer | string) => {
    for (const key of splitKeys(chunk.toString())) onKey(key);
  };
  const restoreMode = () => {
    try {
      input.setRawMode?.(false);
    } catch {
      // The terminal may already be gone (closed pane): nothing left to restore.
    }
  };
  input.setRawMode?.(true);
  input.on('data', onData);
  input.resume();
  process.once('exit', restoreMode);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    input.off('data', onData);
    restoreMode();
    input.pause();
    process.off('exit', restoreMode);
  };
}
