// The page's link to the token agent on this PC (see DESIGN.md, "How a token operation flows").
// The portal server never reaches the agent; it asks this module to. One link per page.
import '../lib/signalr/signalr.min.js'; // UMD build: defines self.signalR

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

/** Calls a hub method; failures come back as the agent's own result envelope, never as exceptions. */
export async function invoke(method, ...args) {
  const connection = link.connection;
  if (!connection || link.state !== 'connected') {
    return { value: null, error: { code: 'AgentUnavailable' } };
  }
  try {
    return await connection.invoke(method, ...args);
  } catch {
    return { value: null, error: { code: 'AgentUnavailable' } };
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
    const closed = new Promise((resolve) => connection.onclose(resolve));

    try {
      await connection.start();
    } catch {
      report((await agentAnswers()) ? 'originRefused' : 'notRunning', null);
      await delay(link.retryMs);
      continue;
    }

    try {
      const agent = await connection.invoke('GetAgentInfo');
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

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
