// The dialog in which users type PINs, PUKs and file passwords. It is plain DOM owned by this module, outside
// Blazor, so nothing typed here ever travels to the portal server: the values go straight to the token agent
// (agent-bridge.js) as arrays of character codes, which are overwritten as soon as the call returns.
//
// The portal describes the dialog (texts in the user's language, policies, which secrets) and gets back only
// the agent's answer.

let openDialog = null;

/**
 * Shows the dialog and runs `perform(secrets, confirmFinalTry, file, showProgress)` on submit; `perform` resolves to the agent's
 * result envelope. Errors the user can fix here (wrong PIN, final try, policy) keep the dialog open.
 * Resolves to { result, failedAttempts }: the final result (or { value: null, error: { code: 'Cancelled' } }) and
 * the errors of the attempts the user put right in the dialog (a wrong PIN spends a try: the portal records it).
 */
export function askForSecrets(spec, perform, onCancelRunning) {
  if (openDialog) {
    openDialog.close({ value: null, error: { code: 'Cancelled' } });
  }
  const failedAttempts = [];
  return new Promise((resolve) => {
    openDialog = buildDialog(spec, perform, onCancelRunning, failedAttempts, (result) => {
      openDialog = null;
      resolve({ result, failedAttempts });
    });
  });
}

function buildDialog(spec, perform, onCancelRunning, failedAttempts, done) {
  const previousFocus = document.activeElement;
  const backdrop = element('div', 'secret-dialog-backdrop');
  const dialog = element('div', 'secret-dialog');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.dataset.testid = 'secret-dialog';
  const titleId = 'secret-dialog-title-' + Math.random().toString(36).slice(2);
  dialog.setAttribute('aria-labelledby', titleId);

  const title = element('h2', 'secret-dialog-title', spec.title);
  title.id = titleId;
  dialog.append(title);
  if (spec.intro) {
    dialog.append(element('p', 'secret-dialog-intro', spec.intro));
  }
  if (spec.warning) {
    const warning = element('p', 'secret-dialog-warning', spec.warning);
    warning.setAttribute('role', 'note');
    dialog.append(warning);
  }

  const form = element('form', 'secret-dialog-form');
  form.noValidate = true;
  const inputs = [];
  let fileInput = null;
  if (spec.file) {
    const label = element('label', 'secret-dialog-label', spec.file.label);
    fileInput = element('input', 'secret-dialog-input');
    fileInput.type = 'file';
    fileInput.accept = spec.file.accept || '';
    fileInput.name = 'file';
    label.append(fileInput);
    form.append(label);
  }
  for (const field of spec.fields) {
    const label = element('label', 'secret-dialog-label', field.label);
    const input = element('input', 'secret-dialog-input');
    input.type = 'password';
    input.name = field.name;
    input.autocomplete = field.isNew ? 'new-password' : 'off';
    input.spellcheck = false;
    // A confirmation field takes the rules of the value it repeats: with a shorter limit on only one of them,
    // the same long text typed twice would read as two different values.
    const policy = field.policy || (field.repeatOf && (spec.fields.find((f) => f.name === field.repeatOf) || {}).policy);
    if (policy && policy.digitsOnly) {
      input.inputMode = 'numeric';
    }
    if (policy && policy.maxLength) {
      input.maxLength = policy.maxLength;
    }
    label.append(input);
    if (field.hint) {
      label.append(element('span', 'secret-dialog-hint', field.hint));
    }
    form.append(label);
    inputs.push({ field, input });
  }

  const finalTry = element('label', 'secret-dialog-final-try');
  const finalTryBox = element('input');
  finalTryBox.type = 'checkbox';
  finalTryBox.name = 'confirmFinalTry';
  finalTry.append(finalTryBox, document.createTextNode(' ' + spec.finalTryConfirm));
  finalTry.hidden = !spec.finalTry;
  form.append(finalTry);

  const message = element('p', 'secret-dialog-message');
  message.setAttribute('role', 'alert');
  message.dataset.testid = 'secret-dialog-message';
  form.append(message);

  const progress = element('div', 'secret-dialog-progress');
  progress.hidden = true;
  progress.dataset.testid = 'secret-dialog-progress';
  const progressText = element('span', 'secret-dialog-progress-text', spec.working || '');
  const elapsed = element('span', 'secret-dialog-elapsed');
  progress.append(element('span', 'secret-dialog-spinner'), progressText, elapsed);
  form.append(progress);

  const buttons = element('div', 'secret-dialog-buttons');
  const cancel = element('button', 'secret-dialog-button', spec.cancelLabel);
  cancel.type = 'button';
  cancel.dataset.testid = 'secret-dialog-cancel';
  const submit = element('button', 'secret-dialog-button secret-dialog-button-primary', spec.submitLabel);
  submit.type = 'submit';
  submit.dataset.testid = 'secret-dialog-submit';
  buttons.append(cancel, submit);
  form.append(buttons);
  dialog.append(form);
  backdrop.append(dialog);
  document.body.append(backdrop);

  let running = false;
  let timer = null;
  const showMessage = (text) => {
    message.textContent = text || '';
  };

  const close = (result) => {
    for (const { input } of inputs) {
      input.value = '';
    }
    if (fileInput) {
      fileInput.value = '';
    }
    clearInterval(timer);
    document.removeEventListener('keydown', onKey, true);
    backdrop.remove();
    if (previousFocus && previousFocus.focus) {
      previousFocus.focus();
    }
    done(result);
  };

  const onKey = (event) => {
    if (event.key === 'Escape' && !running) {
      event.preventDefault();
      close({ value: null, error: { code: 'Cancelled' } });
    }
  };
  document.addEventListener('keydown', onKey, true);

  cancel.addEventListener('click', () => {
    if (running) {
      if (onCancelRunning) {
        cancel.disabled = true;
        onCancelRunning();
      }
      return;
    }
    close({ value: null, error: { code: 'Cancelled' } });
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) {
      return;
    }
    const problem = validate(spec, inputs, fileInput, finalTry.hidden || finalTryBox.checked);
    if (problem) {
      showMessage(problem.text);
      if (problem.input) {
        problem.input.focus();
      }
      return;
    }
    const secrets = {};
    for (const { field, input } of inputs) {
      if (!field.repeatOf) {
        secrets[field.name] = Array.from(input.value, (c) => c.charCodeAt(0));
      }
      input.value = '';
    }
    let file = null;
    if (fileInput && fileInput.files.length > 0) {
      file = new Uint8Array(await fileInput.files[0].arrayBuffer());
    }

    running = true;
    submit.disabled = true;
    for (const { input } of inputs) {
      input.disabled = true;
    }
    showMessage('');
    progress.hidden = false;
    const started = Date.now();
    timer = setInterval(() => {
      elapsed.textContent = ' ' + Math.floor((Date.now() - started) / 1000) + ' s';
    }, 500);
    if (!spec.cancellable) {
      cancel.disabled = true;
    }

    let result;
    try {
      result = await perform(secrets, !finalTry.hidden && finalTryBox.checked, file, (text) => {
        progressText.textContent = text;
      });
    } finally {
      for (const codes of Object.values(secrets)) {
        codes.fill(0);
      }
      if (file) {
        file.fill(0);
      }
      clearInterval(timer);
      running = false;
      progress.hidden = true;
      elapsed.textContent = '';
      submit.disabled = false;
      cancel.disabled = false;
      for (const { input } of inputs) {
        input.disabled = false;
      }
    }

    const error = result && result.error;
    const retry = error && retryText(spec, error);
    if (retry) {
      failedAttempts.push(error);
      if (error.code === 'FinalTryNotConfirmed' || (error.pinState === 'FinalTry')) {
        finalTry.hidden = false;
        finalTryBox.checked = false;
      }
      showMessage(retry);
      (inputs[0] && inputs[0].input).focus();
      return;
    }
    close(result);
  });

  (fileInput || (inputs[0] && inputs[0].input) || submit).focus();
  return { close };
}

/** Errors the user can put right in the dialog itself, in the portal's words; null for the others. */
function retryText(spec, error) {
  const texts = spec.retryMessages || {};
  switch (error.code) {
    case 'PinIncorrect':
      return texts[`PinIncorrect:${error.pin}:${error.pinState}`] || texts[`PinIncorrect:${error.pin}`] || null;
    case 'FinalTryNotConfirmed':
      return texts[`FinalTryNotConfirmed:${error.pin}`] || null;
    case 'TryLater': {
      // The agent waits after a wrong unblock code; the value stays typed in for the next try.
      const text = texts[`TryLater:${error.pin}`];
      return text ? text.replace('%s', String(error.retryAfterSeconds || 1)) : null;
    }
    case 'PinPolicyViolation':
      return texts[`PinPolicyViolation:${error.pin}:${error.policy}`] || texts.PinPolicyViolation || null;
    case 'FilePasswordIncorrect':
      return texts.FilePasswordIncorrect || null;
    default:
      return null;
  }
}

/** The device model's rules, checked before anything is sent (the agent checks them again). */
function validate(spec, inputs, fileInput, finalTryConfirmed) {
  const m = spec.messages;
  if (fileInput && fileInput.files.length === 0) {
    return { text: m.fileRequired, input: fileInput };
  }
  for (const { field, input } of inputs) {
    const value = input.value;
    if (value.length === 0 && !field.optional) {
      return { text: field.messages.required, input };
    }
    if (field.repeatOf) {
      const original = inputs.find((i) => i.field.name === field.repeatOf);
      if (original && original.input.value !== value) {
        return { text: m.mismatch, input };
      }
      continue;
    }
    const policy = field.policy;
    if (!policy || value.length === 0) {
      continue;
    }
    if (value.length < policy.minLength) {
      return { text: field.messages.tooShort, input };
    }
    if (value.length > policy.maxLength) {
      return { text: field.messages.tooLong, input };
    }
    for (const c of value) {
      const code = c.charCodeAt(0);
      const allowed = policy.digitsOnly ? code >= 48 && code <= 57 : code > 32 && code <= 126;
      if (!allowed) {
        return { text: field.messages.invalidCharacter, input };
      }
    }
  }
  if (!finalTryConfirmed) {
    return { text: spec.finalTryWarning, input: null };
  }
  return null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  return node;
}
