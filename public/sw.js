// Linli's service worker. This file is a TEMPLATE: after `trunk build`, the xtask writes the
// real dist/sw.js with the two placeholders below replaced by the content hash of the build and
// the list of every file trunk emitted. Never edit a precache list by hand.
const VERSION = '__LINLI_VERSION__';
const PRECACHE = __LINLI_PRECACHE__;
const CACHE = `linli-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  // A fresh install activates at once; an update waits until the page asks (reload to update),
  // so a volunteer mid-form is never switched to a new version under their thumb.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('linli-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // The API is never answered from cache: stale data must look stale, not current.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // Every page of the app is the same shell; serve it from cache so a weak signal never
    // leaves a blank screen, and fall back to the network only if the cache is gone.
    event.respondWith(caches.match('/index.html').then((cached) => cached || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
});
