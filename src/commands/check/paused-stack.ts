import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

interface ScriptParsed {
  scriptId: string;
  url: string;
  sourceMapURL?: string;
}

/**
 * Where a busy worker is right now: attaches the inspector to it (Node's NodeWorker domain),
 * pauses it, and reads its call stack, mapped back to the TypeScript the learner wrote.
 * This is how a `while (true) {}` gets a stack: a thread in an endless loop cannot report
 * on itself. Returns undefined if the inspector is unavailable or the worker does not answer
 * within `withinMs`; the caller terminates the worker either way.
 */
export async function pausedStack(workerUrl: string, isLearnerFrame: (line: string) => boolean, withinMs = 2000): Promise<string[] | undefined> {
  let inspector: typeof import('node:inspector');
  try {
    inspector = await import('node:inspector');
  } catch {
    return undefined;
  }
  const session = new inspector.Session();
  try {
    session.connect();
  } catch {
    return undefined;
  }
  const scripts = new Map<string, ScriptParsed>();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string[] | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), withinMs);
      let sessionId: string | undefined;
      const send = (id: number, method: string, params?: object) =>
        session.post('NodeWorker.sendMessageToWorker', { sessionId: sessionId!, message: JSON.stringify({ id, method, params }) });
      session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo: { url: string } } }) => {
        if (sessionId !== undefined || m.params.workerInfo.url !== workerUrl) return;
        sessionId = m.params.sessionId;
        send(1, 'Debugger.enable');
        send(2, 'Debugger.pause');
      });
      session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { message: string } }) => {
        const msg = JSON.parse(m.params.message) as { method?: string; params?: unknown };
        if (msg.method === 'Debugger.scriptParsed') {
          const p = msg.params as ScriptParsed;
          scripts.set(p.scriptId, p);
        } else if (msg.method === 'Debugger.paused') {
          const frames = (msg.params as { callFrames: CallFrame[] }).callFrames.map((f) => describeFrame(f, scripts.get(f.location.scriptId)));
          // Let go before the caller terminates: a worker paused in the debugger does not stop.
          send(3, 'Debugger.disable');
          resolve(frames.filter(isLearnerFrame));
        }
      });
      session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    });
  } finally {
    if (timer) clearTimeout(timer);
    session.disconnect();
  }
}

/** `at fn (/abs/file.ts:12:5)`, through the script's inline source map when it has one. */
function describeFrame(frame: CallFrame, script: ScriptParsed | undefined): string {
  let file = filePath(frame.url || script?.url || '');
  let line = frame.location.lineNumber + 1;
  let column = frame.location.columnNumber + 1;
  const map = script?.sourceMapURL;
  if (map?.startsWith('data:')) {
    try {
      const payload = JSON.parse(Buffer.from(map.slice(map.indexOf(',') + 1), 'base64').toString('utf8')) as ConstructorParameters<typeof SourceMap>[0];
      const entry = new SourceMap(payload).findEntry(frame.location.lineNumber, frame.location.columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
        file = filePath(entry.originalSource) || file;
        line = entry.originalLine + 1;
        column = (entry.originalColumn ?? 0) + 1;
      }
    } catch {
      // An unreadable map: the generated position is still better than nothing.
    }
  }
  const where = `${file}:${line}:${column}`;
  return frame.functionName ? `at ${frame.functionName} (${where})` : `at ${where}`;
}

function filePath(url: string): string {
  const bare = url.replace(/\?.*$/, '');
  if (bare.startsWith('file:')) {
    try {
      return fileURLToPath(bare);
    } catch {
      return bare;
    }
  }
  return bare;
}
