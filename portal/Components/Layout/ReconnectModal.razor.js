// The Blazor script in use (see eng/BlazorScript.targets) signals the circuit's state only through classes on
// #components-reconnect-modal; this watches them.
const modal = document.getElementById('components-reconnect-modal');

if (modal) {
  document.getElementById('components-reconnect-retry')?.addEventListener('click', retry);
  document.getElementById('components-reconnect-reload')?.addEventListener('click', () => location.reload());

  // A reconnect that failed while the tab was in the background is tried again when the user comes back.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && modal.classList.contains('components-reconnect-failed')) {
      retry();
    }
  });
}

async function retry() {
  try {
    const reconnected = await Blazor.reconnect();
    if (!reconnected) {
      // The server no longer knows this circuit (restarted or expired): only a reload helps.
      location.reload();
    }
  } catch {
    // Still unreachable; the failed state stays and the button remains.
  }
}
