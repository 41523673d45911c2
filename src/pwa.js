// Service-worker registration and the "reload to update" hand-off. Kept in JS because it is a
// handful of browser callbacks; the app calls these two functions through wasm-bindgen.

let updateRequested = false;

export function registerServiceWorker(onUpdateReady) {
  if (!('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  container
    .register('/sw.js')
    .then((registration) => {
      const watch = (worker) => {
        worker.addEventListener('statechange', () => {
          // "installed" with a controller already present means a new version waits behind the
          // running one; on a first visit there is no controller and nothing to offer.
          if (worker.state === 'installed' && container.controller) onUpdateReady();
        });
      };
      if (registration.waiting && container.controller) onUpdateReady();
      if (registration.installing) watch(registration.installing);
      registration.addEventListener('updatefound', () => {
        if (registration.installing) watch(registration.installing);
      });
    })
    .catch((err) => console.warn('service worker registration failed', err));
  container.addEventListener('controllerchange', () => {
    // The first install also changes the controller (clients.claim); only reload on request.
    if (updateRequested) window.location.reload();
  });
}

export async function applyUpdate() {
  updateRequested = true;
  const registration = await navigator.serviceWorker.getRegistration();
  if (registration && registration.waiting) {
    registration.waiting.postMessage({ type: 'SKIP_WAITING' });
  } else {
    window.location.reload();
  }
}
