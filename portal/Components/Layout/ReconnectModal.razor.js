// Opens and closes the connection-lost dialog as the Blazor script reports the circuit's state.
const modal = document.getElementById('components-reconnect-modal');

if (modal) {
  modal.addEventListener('components-reconnect-state-changed', (event) => {
    const state = event.detail.state;
    if (state === 'hide') {
      modal.close();
      return;
    }

    if (!modal.open) {
      modal.showModal();
    }

    if (state === 'rejected') {
      // The server reached no longer knows this circuit: the instance that served it stopped (behind a load balancer
      // the reconnect lands on another one) or restarted. A reload opens the page there, still signed in; forms take
      // back their last checkpoint (FormDrafts).
      location.reload();
      return;
    }

    if (state === 'failed') {
      // A reconnect that failed while the tab was in the background is tried again when the user comes back.
      document.addEventListener('visibilitychange', retryWhenVisible);
    }
  });
  // Escape must not hide the dialog while the page cannot work.
  modal.addEventListener('cancel', (event) => event.preventDefault());
  document.getElementById('components-reconnect-retry')?.addEventListener('click', retry);
  document.getElementById('components-reconnect-reload')?.addEventListener('click', () => location.reload());
}

function retryWhenVisible() {
  if (document.visibilityState === 'visible') {
    retry();
  }
}

async function retry() {
  document.removeEventListener('visibilitychange', retryWhenVisible);
  try {
    const reconnected = await Blazor.reconnect();
    if (!reconnected) {
      // The server no longer knows this circuit (restarted or expired): only a reload helps.
      location.reload();
    }
  } catch {
    // Still unreachable: the failed state stays, and so does the button.
    document.addEventListener('visibilitychange', retryWhenVisible);
  }
}
