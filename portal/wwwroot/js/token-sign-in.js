// Signing in with the certificate on the token (Features/Account/TokenSignIn). The page has no circuit: this module
// reaches the agent through agent-bridge.js, lists the standard-area certificates of the attached devices, and has
// the chosen key sign the page's challenge after the PIN is typed into the portal's secret dialog (the PIN goes to the
// agent only). It then posts the agent's answer, or its refusal, with the page's form; the portal decides.
import { start, stop, runSecretOperation } from './agent-bridge.js';

const root = document.getElementById('token-sign-in');
const form = document.getElementById('token-login-form');
if (root && form) {
  run(root, form);
}

function run(root, form) {
  const texts = JSON.parse(root.dataset.texts);
  const dialogs = JSON.parse(root.dataset.dialogs);
  const status = root.querySelector('[data-role=status]');
  const list = root.querySelector('[data-role=certificates]');
  let state = 'connecting';
  let devices = [];
  let busy = false;

  // agent-bridge.js reports to an object shaped like Blazor's .NET reference.
  const page = {
    invokeMethodAsync(method, ...args) {
      if (method === 'OnAgentState') {
        state = args[0];
      } else if (method === 'OnDevices') {
        devices = args[0] || [];
      }
      render();
      return Promise.resolve();
    },
  };
  start(root.dataset.agentUrl, Number(root.dataset.protocol), Number(root.dataset.retry), page);
  window.addEventListener('pagehide', () => stop());

  function candidates() {
    const now = Date.now();
    const found = [];
    for (const device of devices) {
      for (const area of device.areas || []) {
        if (area.kind !== 'Standard') {
          continue;
        }
        for (const certificate of area.certificates || []) {
          if (certificate.hasPrivateKey && !certificate.isQualified && Date.parse(certificate.notAfter) > now) {
            found.push({ device, area, certificate });
          }
        }
      }
    }
    return found;
  }

  function render() {
    list.replaceChildren();
    if (state !== 'connected') {
      status.textContent = texts[state] || texts.connecting;
      root.dataset.state = state;
      return;
    }
    const found = candidates();
    root.dataset.state = found.length ? 'ready' : devices.length ? 'no-certificate' : 'no-device';
    status.textContent = found.length ? texts.choose : devices.length ? texts.noCertificate : texts.noDevice;
    for (const candidate of found) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'token-sign-in-choice';
      button.dataset.testid = 'token-login-certificate';
      button.dataset.serial = candidate.certificate.serialNumber;
      button.disabled = busy;
      const name = document.createElement('strong');
      name.textContent = commonName(candidate.certificate.subject);
      const detail = document.createElement('span');
      detail.textContent = `${candidate.device.modelName} ${candidate.device.serialNumber} · ${commonName(candidate.certificate.issuer)} · ${texts.validUntil} ${new Date(candidate.certificate.notAfter).toLocaleDateString(document.documentElement.lang)}`;
      button.append(name, detail);
      button.addEventListener('click', () => signIn(candidate));
      item.append(button);
      list.append(item);
    }
  }

  async function signIn({ device, area, certificate }) {
    if (busy) {
      return;
    }
    busy = true;
    render();
    const operation = structuredClone(dialogs[device.modelId] || dialogs.unknown);
    operation.command.deviceId = device.deviceId;
    operation.command.keyIdHex = certificate.idHex;
    operation.command.nonce = root.dataset.nonce;
    operation.dialog.finalTry = area.userPin && area.userPin.state === 'FinalTry';
    const { result } = await runSecretOperation(operation);
    if (result.error && result.error.code === 'Cancelled') {
      busy = false;
      render();
      return;
    }
    status.textContent = texts.signing;
    if (result.error) {
      form.elements['Input.Error'].value = JSON.stringify(result.error);
      form.elements['Input.Model'].value = device.modelId;
    } else {
      form.elements['Input.Certificate'].value = result.value.certificate;
      form.elements['Input.Signature'].value = result.value.signature;
      form.elements['Input.Algorithm'].value = result.value.signatureAlgorithm;
    }
    await stop();
    form.requestSubmit();
  }
}

function commonName(distinguishedName) {
  const match = /(?:^|,\s*)CN=("(?:[^"]|"")*"|[^,]*)/.exec(distinguishedName || '');
  return match ? match[1].replace(/^"|"$/g, '') : distinguishedName || '';
}
