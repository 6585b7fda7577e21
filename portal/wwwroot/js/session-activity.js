// Tells the portal that the person is using the page: on keys and clicks, at most once per interval, it renews the
// sign-in cookie (an authenticated request slides its expiry) and tells the circuit, which keeps its own idle clock.
let watched = null;

export function watch(circuit, intervalMs) {
  stop();
  let last = 0;
  const report = () => {
    const now = Date.now();
    if (now - last < intervalMs) {
      return;
    }
    last = now;
    fetch('account/session', { method: 'POST', credentials: 'same-origin', cache: 'no-store' }).catch(() => {});
    circuit.invokeMethodAsync('UserActive').catch(() => {});
  };
  const events = ['keydown', 'pointerdown', 'wheel'];
  events.forEach((name) => document.addEventListener(name, report, { capture: true, passive: true }));
  watched = () => events.forEach((name) => document.removeEventListener(name, report, { capture: true }));
}

export function stop() {
  if (watched) {
    watched();
    watched = null;
  }
}

// A field being typed in sends its value on change (when it loses focus): let it, before the form is kept as a draft.
export function commitInput() {
  const active = document.activeElement;
  if (active && typeof active.blur === 'function') {
    active.blur();
  }
}
