// The page's link to the token agent on this PC (see docs/architecture.md, "How a token operation flows").
// The portal server never reaches the agent; it asks this module to. One link per page.
import '../lib/signalr/signalr.min.js'; // UMD build: defines self.signalR
import { askForSecrets } from './secret-dialog.js';

const signalR = self.signalR;

const link = {
  url: null,
  protocol: 0,
  retryMs: 1500,
  dotnet: null,
  connection: null,
  running: false,
  state: 'idle',
  agent: null,
  progress: new Map(),
};

export function start(url, protocol, retryMs, dotnet) {
  link.dotnet = dotnet;
  link.protocol = protocol;
  link.retryMs = retryMs;
  if (link.running && link.url === url) {
    report(link.state, link.agent); // a new component asks: tell it where we are
    return;
  }
  link.url = url;
  link.running = true;
  run();
}

export async function stop() {
  link.running = false;
  link.dotnet = null;
  const connection = link.connection;
  link.connection = null;
  if (connection) {
    await connection.stop().catch(() => {});
  }
}

/**
 * Runs an agent operation that needs secrets: this module's own dialog collects them (they never reach the
 * portal server), puts them into `spec.command` under the names in `spec.secrets` (dialog field → command
 * property), sends the command to the agent and overwrites the secrets afterwards. Only the result goes back.
 */
export async function runSecretOperation(spec) {
  if (!link.connection || link.state !== 'connected') {
    return { result: { value: null, error: { code: 'AgentUnavailable' } }, failedAttempts: [] };
  }
  const operationId = spec.command.operationId || null;
  return askForSecrets(
    spec.dialog,
    async (secrets, confirmFinalTry, file, showProgress) => {
      // Blazor hands byte[] over as Uint8Array; the agent's JSON protocol wants base64 for them.
      const command = { ...spec.command, confirmFinalTry };
      for (const [property, value] of Object.entries(command)) {
        if (value instanceof Uint8Array) {
          command[property] = toBase64(value);
        }
      }
      for (const [field, property] of Object.entries(spec.secrets)) {
        command[property] = secrets[field] || null;
      }
      if (spec.fileProperty && file) {
        command[spec.fileProperty] = toBase64(file);
      }
      if (operationId) {
        link.progress.set(operationId, (stage) => showProgress(spec.dialog.stages[stage] || spec.dialog.working));
      }
      try {
        return await invoke(spec.method, command);
      } finally {
        link.progress.delete(operationId);
        for (const property of Object.values(spec.secrets)) {
          if (Array.isArray(command[property])) {
            command[property].fill(0);
          }
        }
      }
    },
    operationId ? () => invoke('CancelOperation', operationId) : null,
  );
}

/** Saves bytes (base64 from the portal, e.g. an exported certificate) as a file download. */
export function download(fileName, base64, mediaType) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: mediaType || 'application/octet-stream' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Calls a hub method; failures come back as the agent's own result envelope, never as exceptions. */
export async function invoke(method, ...args) {
  const connection = link.connection;
  if (!connection || link.state !== 'connected') {
    return { value: null, error: { code: 'AgentUnavailable' } };
  }
  try {
    return await connection.invoke(method, ...args.map((a) => (a instanceof Uint8Array ? toBase64(a) : a)));
  } catch (e) {
    // A dropped link is "agent unavailable"; anything else is the agent failing a call it received.
    const dropped = link.connection !== connection || connection.state !== signalR.HubConnectionState.Connected;
    console.warn('agent call failed:', method, dropped ? 'link dropped' : e && e.message);
    return { value: null, error: { code: dropped ? 'AgentUnavailable' : 'Unknown' } };
  }
}

async function run() {
  while (link.running) {
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(link.url.replace(/\/$/, '') + '/hub', { withCredentials: false })
      .configureLogging(signalR.LogLevel.None)
      .build();
    connection.serverTimeoutInMilliseconds = 6000;
    connection.keepAliveIntervalInMilliseconds = 2000;
    connection.on('DevicesChanged', (devices) => toDotnet('OnDevices', devices));
    connection.on('OperationProgress', (operationId, stage) => {
      const listener = link.progress.get(operationId);
      if (listener) {
        listener(stage);
      }
    });
    const closed = new Promise((resolve) => connection.onclose(resolve));

    try {
      // A connection that neither opens nor fails (a handshake stuck behind others to the same address, an agent that
      // accepted the socket and hangs) must not leave the page searching for ever: given up after a while, tried again.
      await within(connection.start(), greetingTimeoutMs, () => connection.stop());
    } catch (e) {
      report(e === timedOut ? 'connecting' : (await agentAnswers()) ? 'originRefused' : 'notRunning', null);
      await delay(link.retryMs);
      continue;
    }

    try {
      const agent = await within(connection.invoke('GetAgentInfo'), greetingTimeoutMs, () => connection.stop());
      if (agent.protocolVersion !== link.protocol) {
        report('incompatible', agent);
        await connection.stop();
        await delay(link.retryMs * 4);
        continue;
      }
      link.connection = connection;
      report('connected', agent);
      const devices = await connection.invoke('GetDevices');
      if (devices && !devices.error) {
        toDotnet('OnDevices', devices.value);
      }
    } catch {
      // The agent went away during the greeting; the close handler below takes over.
    }

    await closed;
    link.connection = null;
    if (link.running) {
      report('connecting', null);
    }
  }
}

/**
 * Whether anything answers at the agent's address. A no-cors request resolves on any HTTP answer
 * (even a refusal) and rejects only when nothing listens - which tells "not running" from "refused".
 */
async function agentAnswers() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2000);
  try {
    await fetch(link.url, { mode: 'no-cors', cache: 'no-store', signal: abort.signal });
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const greetingTimeoutMs = 10000;
const timedOut = new Error('timed out');

/** The promise's outcome, or a rejection after ms (then onTimeout runs); the timer never outlives the promise. */
function within(promise, ms, onTimeout) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(timedOut);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function report(state, agent) {
  link.state = state;
  link.agent = agent;
  toDotnet('OnAgentState', state, agent);
}

function toDotnet(method, ...args) {
  const dotnet = link.dotnet;
  if (!dotnet) {
    return;
  }
  dotnet.invokeMethodAsync(method, ...args).catch(() => {
    // The circuit ended (page closed or navigated away for good): stop reaching out.
    if (link.dotnet === dotnet) {
      stop();
    }
  });
}

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
